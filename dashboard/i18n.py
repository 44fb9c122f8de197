"""German-first UI texts with an English translation.

One flat dictionary so that a missing translation is caught by a unit test (every key has both
languages) instead of showing up as an empty label in the browser.
"""
from __future__ import annotations

LANGS = ("de", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # app / navigation
    "app_title": ("Integrationsatlas", "Integration Atlas"),
    "app_subtitle": ("Migration und Integration in deutschen Kommunen",
                     "Migration and integration in German municipalities"),
    "nav_map": ("Karte", "Map"),
    "nav_compare": ("Vergleich", "Compare"),
    "nav_profile": ("Profil", "Profile"),
    "nav_table": ("Tabelle", "Table"),
    "nav_sources": ("Daten & Methoden", "Data & methods"),
    "lang_toggle": ("English", "Deutsch"),
    "lang_toggle_title": ("Switch to English", "Auf Deutsch umschalten"),
    "skip_to_content": ("Zum Inhalt springen", "Skip to content"),
    "notice": ("Hinweis", "Notice"),
    "dd_select_all": ("Alle auswählen", "Select all"), "dd_deselect_all": ("Auswahl aufheben", "Deselect all"),
    "dd_selected_count": ("{num_selected} ausgewählt", "{num_selected} selected"), "dd_search": ("Suchen", "Search"),
    "dd_clear_search": ("Suche löschen", "Clear search"), "dd_clear_selection": ("Auswahl löschen", "Clear selection"),
    "dd_no_options_found": ("Keine Treffer", "No options found"),
    # URL parameters that were replaced: one sentence each ({label}, {raw} = "param=value", {now})
    "param_replaced": ("{label} „{raw}“ ist ungültig oder nicht verfügbar – angezeigt wird: {now}.",
                       "{label} “{raw}” is invalid or not available – showing: {now}."),
    "param_dropped": ("{label} „{raw}“ ist ungültig oder veraltet und wurde entfernt.",
                      "{label} “{raw}” is invalid or stale and was removed."),
    "param_ind": ("Indikator", "Indicator"), "param_level": ("Ebene", "Level"), "param_year": ("Jahr", "Year"),
    "param_lang": ("Sprache", "Language"), "param_k": ("Klassenzahl", "Number of classes"),
    "param_cls": ("Klassifizierung", "Classification"), "param_pal": ("Farbschema", "Palette"),
    "param_land": ("Länderfilter", "Land filter"), "param_kt": ("Kommunaltyp-Filter", "Municipality type filter"),
    "param_gk": ("Größenklassen-Schema", "Size class scheme"), "param_gr": ("Größenklassen-Filter", "Size class filter"),
    "param_br": ("Berlin-Regel", "Berlin rule"), "param_ew": ("Ost/West-Filter", "East/West filter"),
    "param_kty": ("Kreistyp-Filter", "District type filter"), "param_sel": ("Auswahl", "Selection"),
    "param_by": ("Gruppierung", "Grouping"), "param_x": ("x-Achse", "x axis"), "param_y": ("y-Achse", "y axis"),
    "param_col": ("Farbe nach", "Colour by"), "param_sim": ("Ähnlichkeits-Indikator", "Similarity indicator"),
    "error_generic": ("Diese Ansicht konnte nicht berechnet werden. Bitte Auswahl ändern.",
                      "This view could not be computed. Please change the selection."),
    "input_rejected": ("Diese Eingabe ist ungültig und wurde nicht übernommen; die Ansicht bleibt unverändert.",
                       "This input is invalid and was not applied; the view is unchanged."),
    "no_warehouse": ("Der Datenbestand ist noch nicht aufgebaut (integrationsatlas etl run).",
                     "The data warehouse has not been built yet (integrationsatlas etl run)."),
    "page_not_found": ("Seite nicht gefunden – die Karte wird angezeigt.",
                       "Page not found – showing the map."),
    # controls
    "indicator": ("Indikator", "Indicator"),
    "year": ("Jahr", "Year"),
    "level": ("Ebene", "Level"),
    "level_gemeinde": ("Gemeinden", "Municipalities"),
    "level_kreis": ("Kreise", "Districts"),
    "level_land": ("Länder", "States"),
    "level_bund": ("Deutschland", "Germany"),
    "level_unavailable": ("keine Werte auf dieser Ebene", "no values at this level"),
    "year_unavailable": ("nicht auf dieser Ebene", "not at this level"),
    "classification": ("Klassifizierung", "Classification"),
    "cls_quantiles": ("Quantile", "Quantiles"),
    "cls_fisher_jenks": ("Natürliche Brüche (Fisher-Jenks)", "Natural breaks (Fisher-Jenks)"),
    "cls_equal_interval": ("Gleiche Intervalle", "Equal intervals"),
    "classes": ("Klassen", "Classes"),
    "palette": ("Farbschema", "Palette"),
    "pal_viridis": ("Viridis (sequenziell)", "Viridis (sequential)"),
    "pal_cividis": ("Cividis (sequenziell)", "Cividis (sequential)"),
    "pal_bupu": ("Blau–Lila (sequenziell)", "Blue–purple (sequential)"),
    "pal_puor": ("Lila–Orange (divergierend)", "Purple–orange (diverging)"),
    "pal_brbg": ("Braun–Grün (divergierend)", "Brown–green (diverging)"),
    "search": ("Gemeinde suchen", "Search municipality"),
    "search_placeholder": ("Name eingeben, z. B. Halle (Saale)", "Type a name, e.g. Halle (Saale)"),
    # filters
    "filters": ("Filter", "Filters"),
    "f_land": ("Länder", "States"),
    "f_kommunaltyp": ("Kommunaltyp", "Municipality type"),
    "f_size_scheme": ("Größenklassen", "Size classes"),
    "f_size_scheme_bbsr": ("4 BBSR-Klassen", "4 BBSR classes"),
    "f_size_scheme_fine": ("8 feine Klassen", "8 fine classes"),
    "f_size": ("Größenklasse", "Size class"),
    "f_east_west": ("Ost/West", "East/West"),
    "f_berlin_rule": ("Berlin zählt zu", "Berlin counts as"),
    "berlin_west": ("West (wie Mikrozensus)", "West (as in the Mikrozensus)"),
    "berlin_east": ("Ost", "East"),
    "berlin_own": ("eigene Gruppe", "own group"),
    "f_kreistyp": ("BBSR-Kreistyp", "BBSR district type"),
    "f_any": ("alle", "all"),
    "f_reset": ("Filter zurücksetzen", "Reset filters"),
    "filtered_note": ("{n} von {m} Einheiten entsprechen den Filtern; die übrigen sind blass dargestellt.",
                      "{n} of {m} units match the filters; the others are shown faded."),
    # facet values
    "kt_kreisfreie_stadt": ("Kreisfreie Stadt", "District-free city"),
    "kt_landkreis": ("Landkreis", "Rural district"),
    "kt_kreisangehoerige_gemeinde": ("Kreisangehörige Gemeinde", "Municipality within a district"),
    "kt_stadtstaat": ("Stadtstaat", "City state"),
    "kt_gemeindefreies_gebiet": ("Gemeindefreies Gebiet", "Unincorporated area"),
    "kt_land": ("Land", "State"),
    "kt_bund": ("Bund", "Federation"),
    "sc_grossstadt": ("Großstadt (≥ 100.000)", "Large city (≥ 100,000)"),
    "sc_mittelstadt": ("Mittelstadt (20.000–99.999)", "Medium-sized town (20,000–99,999)"),
    "sc_kleinstadt": ("Kleinstadt (5.000–19.999)", "Small town (5,000–19,999)"),
    "sc_landgemeinde": ("Landgemeinde (< 5.000)", "Rural municipality (< 5,000)"),
    "sf_ge500k": ("≥ 500.000", "≥ 500,000"),
    "sf_100k_500k": ("100.000–499.999", "100,000–499,999"),
    "sf_50k_100k": ("50.000–99.999", "50,000–99,999"),
    "sf_20k_50k": ("20.000–49.999", "20,000–49,999"),
    "sf_5k_20k": ("5.000–19.999", "5,000–19,999"),
    "sf_lt5k": ("< 5.000", "< 5,000"),
    "sf_lk_ge150k": ("Landkreis ≥ 150.000", "Rural district ≥ 150,000"),
    "sf_lk_lt150k": ("Landkreis < 150.000", "Rural district < 150,000"),
    "ew_west": ("West", "West"),
    "ew_east": ("Ost", "East"),
    "ew_berlin": ("Berlin", "Berlin"),
    "kty_1": ("Kreisfreie Großstädte", "District-free large cities"),
    "kty_2": ("Städtische Kreise", "Urban districts"),
    "kty_3": ("Ländliche Kreise mit Verdichtungsansätzen", "Rural districts with some densification"),
    "kty_4": ("Dünn besiedelte ländliche Kreise", "Sparsely populated rural districts"),
    "missing_value": ("k. A.", "n/a"),
    "size_class_none": ("ohne Größenklasse (Landkreis bzw. unbewohnt)", "no size class (Landkreis or unpopulated)"),
    # map / legend
    "legend": ("Legende", "Legend"),
    "legend_no_data": ("keine Daten", "no data"),
    "legend_no_boundary": ("Grenze nicht verfügbar", "boundary not available"),
    "legend_filtered": ("herausgefiltert (blass)", "filtered out (faded)"),
    "legend_count": ("{n} Einheiten", "{n} units"),
    "map_no_geometry": ("Die Kartengeometrie ist noch nicht verfügbar; die Werte stehen in der Tabelle unten.",
                        "Map geometry is not available yet; the values are in the table below."),
    "map_table_alt": ("Tabelle statt Karte", "Table instead of map"),
    "tab_map": ("Karte", "Map"),
    "tab_chart": ("Diagramme", "Charts"),
    "tab_table": ("Tabelle", "Table"),
    "tabs_label_map": ("Darstellung: Karte oder Tabelle", "View: map or table"),
    "tabs_label_compare": ("Darstellung: Diagramme oder Tabellen", "View: charts or tables"),
    "group_table": ("Gruppenwerte", "Group figures"),
    "map_alt": ("Karte: {indicator}, {level}, {year}. {n} Einheiten mit Wert. Die Werte stehen in der Tabelle "
                "unter der Karte.",
                "Map: {indicator}, {level}, {year}. {n} units with a value. The values are in the table below the map."),
    "hover_kommunaltyp": ("Kommunaltyp", "Type"),
    "hover_size": ("Größenklasse", "Size class"),
    "hover_value": ("Wert", "Value"),
    "hover_flag": ("Kennzeichen", "Flag"),
    "hover_date": ("Stichtag", "Reference date"),
    "click_to_profile": ("Klick öffnet das Profil", "Click opens the profile"),
    "map_no_boundary_list": ("Ohne Grenze (nicht auf der Karte, Werte in der Tabelle): {units}. Grund: keine Ausgabe des "
                             "BKG VG5000 (Karte: 31.12.2023) hat ein Polygon, das sich über die amtlichen "
                             "Schlüsseländerungen zuordnen lässt (Details: integrationsatlas geodata check).",
                             "Without boundary (not on the map, values in the table): {units}. Reason: no edition of "
                             "BKG VG5000 (map: 31 Dec 2023) has a polygon that the official key changes lead to "
                             "(details: integrationsatlas geodata check)."),
    "map_paint_error": ("Die Karte konnte nicht gezeichnet werden – die Werte stehen in der Tabelle unter der Karte",
                        "The map could not be drawn – the values are in the table below the map"),
    "map_keyboard_label": ("Karte (Tastatur: Pfeiltasten verschieben, + und − zoomen, Enter öffnet das Profil)",
                           "Map (keyboard: arrow keys pan, + and − zoom, Enter opens the profile)"),
    "map_keyboard_help": ("Tastatur: Karte mit Tab fokussieren, Pfeiltasten verschieben, + / − zoomen; die Einheit "
                          "im Fadenkreuz wird angezeigt, Enter öffnet ihr Profil. Alternative: der Reiter „Tabelle“.",
                          "Keyboard: Tab to the map, arrow keys pan, + / − zoom; the unit under the cross-hair is "
                          "shown and Enter opens its profile. Alternative: the “Table” tab."),
    # footer
    "footer_source": ("Quelle", "Source"),
    "footer_table": ("Tabelle", "Table"),
    "footer_date": ("Stichtag", "Reference date"),
    "footer_licence": ("Lizenz", "Licence"),
    # table page
    "table_title": ("Rangliste", "Ranking"),
    "download_csv": ("CSV herunterladen", "Download CSV"),
    "download_xlsx": ("XLSX herunterladen", "Download XLSX"),
    "col_rank": ("Rang", "Rank"),
    "col_ags": ("AGS", "Key"),
    "col_name": ("Name", "Name"),
    "col_land": ("Land", "State"),
    "col_kommunaltyp": ("Kommunaltyp", "Type"),
    "col_size_class": ("Größenklasse", "Size class"),
    "col_east_west": ("Ost/West", "East/West"),
    "col_kreistyp": ("BBSR-Kreistyp", "BBSR district type"),
    "col_population": ("Einwohner 31.12.2024", "Population 31 Dec 2024"),
    "col_value": ("Wert", "Value"),
    "col_flag": ("Kennzeichen", "Flag"),
    "col_reference_date": ("Stichtag", "Reference date"),
    "col_table_code": ("Tabelle", "Table code"),
    "col_source": ("Quelle", "Source"),
    "col_licence": ("Lizenz", "Licence"),
    "col_indicator": ("Indikator", "Indicator"),
    "col_unit": ("Einheit", "Unit"),
    "rows_shown": ("{n} Zeilen", "{n} rows"),
    # compare
    "compare_groups": ("Gruppen", "Groups"),
    "alt_bars": ("Balkendiagramm: Gruppenwerte als Quotient der Summen, je Balken mit Zahl der Kommunen (n) und "
                 "Einwohnern; Quelle und Stichtag in der Bildunterschrift; Werte auch in der Tabelle darunter.",
                 "Bar chart: group values as ratio of sums, each bar with number of units (n) and population; "
                 "source and reference date in the caption; values also in the table below."),
    "alt_dist": ("Boxplots: Verteilung der Werte je Gruppe, ausgewählte Kommunen als Rauten markiert.",
                 "Box plots: distribution of values per group, selected places marked as diamonds."),
    "alt_scatter": ("Streudiagramm zweier Indikatoren derselben Ebene, Punkte nach Gruppe gefärbt, ausgewählte Kommunen beschriftet.",
                    "Scatter plot of two indicators at the same level, points coloured by group, selected places labelled."),
    "alt_ts": ("Liniendiagramm: Zeitreihe der ausgewählten Kommunen für alle vorhandenen Jahre.",
               "Line chart: time series of the selected places for every year available."),
    "compare_by": ("Gruppieren nach", "Group by"),
    "facet_size_class": ("Größenklasse (BBSR)", "Size class (BBSR)"),
    "facet_size_class_fine": ("Größenklasse (fein)", "Size class (fine)"),
    "facet_east_west": ("Ost/West", "East/West"),
    "facet_kommunaltyp": ("Kommunaltyp", "Municipality type"),
    "facet_land": ("Land", "State"),
    "facet_bbsr_kreistyp": ("BBSR-Kreistyp", "BBSR district type"),
    "group_value": ("Gruppenwert", "Group value"),
    "group_n": ("n", "n"),
    "group_population": ("Einwohner", "Population"),
    "group_method": ("Methode", "Method"),
    "distribution": ("Verteilung je Gruppe", "Distribution per group"),
    "dist_box": ("Box-Plot", "Box plot"), "dist_swarm": ("Punkte (Beeswarm)", "Dots (beeswarm)"),
    "dist_mode": ("Darstellung der Verteilung", "Distribution chart"),
    "scatter": ("Streudiagramm", "Scatter plot"),
    "scatter_x": ("x-Achse", "x axis"),
    "scatter_y": ("y-Achse", "y axis"),
    "scatter_colour": ("Farbe nach", "Colour by"),
    "scatter_years_differ": ("Achtung: Die Stichtage unterscheiden sich ({x} gegenüber {y}).",
                             "Caution: the reference dates differ ({x} versus {y})."),
    "timeseries": ("Zeitreihe", "Time series"),
    "timeseries_none": ("Für die gewählten Einheiten gibt es nur ein Jahr oder keine Werte.",
                        "Only one year or no values exist for the chosen units."),
    "selection": ("Ausgewählte Kommunen (bis 8)", "Chosen municipalities (up to 8)"),
    "selection_table": ("Ausgewählte Kommunen im Vergleich", "Chosen municipalities side by side"),
    "selection_empty": ("Noch keine Kommune gewählt.", "No municipality chosen yet."),
    "selection_capped": ("Höchstens 8 Kommunen; weitere wurden ignoriert.", "At most 8 municipalities; others were ignored."),
    "highlight": ("hervorgehoben", "highlighted"),
    # profile
    "profile_title": ("Profil", "Profile"),
    "profile_choose": ("Bitte eine Gemeinde oder einen Kreis suchen.", "Please search for a municipality or district."),
    "profile_unknown": ("Unbekannter Schlüssel {ags}; bitte suchen.", "Unknown key {ags}; please search."),
    "profile_indicators": ("Alle Indikatoren", "All indicators"),
    "profile_rank": ("Rang in Vergleichsgruppe", "Rank in peer group"),
    "profile_rank_fmt": ("Rang {n} von {m}", "rank {n} of {m}"),
    "profile_peer": ("Vergleichsgruppe: {size}, {ew}", "Peer group: {size}, {ew}"),
    "profile_kreis": ("Kreis", "District"),
    "profile_land": ("Land", "State"),
    "profile_de": ("Deutschland", "Germany"),
    "profile_case_studies": ("In Fallstudien", "In case studies"),
    "profile_no_case_studies": ("In keiner der erfassten Studien genannt.", "Not named in any of the recorded studies."),
    "profile_study": ("Studie", "Study"),
    "profile_study_year": ("Jahr", "Year"),
    "profile_role": ("Rolle", "Role"),
    "profile_similar": ("5 ähnliche Kommunen", "5 similar municipalities"),
    "profile_similar_over": ("Ähnlichkeit über (standardisierte Distanz)", "Similarity over (standardised distance)"),
    "coverage_title": ("Abdeckung und Gruppenwert der Filterauswahl", "Coverage and group figure of the filtered selection"),
    "coverage_help": ("Je Indikator und Ebene (jeweils letztes Jahr): wie viele Einheiten der Auswahl einen Wert haben, "
                      "und der Wert der Auswahl als Quotient der Summen (wie unter Vergleich). Fehlende Jahre und Ebenen "
                      "stehen im Katalog oben unter „Bekannte Lücken“.",
                      "Per indicator and level (latest year each): how many units of the selection have a value, and the "
                      "selection's figure as a ratio of sums (as on Compare). Missing years and levels are listed in the "
                      "catalogue above under “known gaps”."),
    "coverage_covered": ("mit Wert", "with value"),
    "coverage_value": ("Wert der Auswahl", "Selection figure"),
    "coverage_population": ("Bevölkerung 2024", "Population 2024"),
    "coverage_method": ("Methode", "Method"),
    "coverage_n_of_m": ("{n} von {m}", "{n} of {m}"),
    "filtered_note_short": ("{n} von {m} Gemeinden entsprechen den Filtern.", "{n} of {m} municipalities match the filters."),
    "profile_filters_help": ("Filter: grenzen die Suche nach ähnlichen Einheiten ein (Rang und Vergleich bleiben "
                             "auf der Vergleichsgruppe).",
                             "Filters narrow the search for similar units (rank and comparison keep the peer group)."),
    "profile_similar_pool": ("Ähnliche werden unter {n} von {m} Einheiten gesucht (Filter).",
                             "Similar units are searched among {n} of {m} units (filters)."),
    "profile_similar_none": ("Zu wenige Indikatoren mit Werten für einen Vergleich.",
                             "Too few indicators with values for a comparison."),
    "profile_distance": ("Distanz", "Distance"),
    "profile_minimap": ("Lage", "Location"),
    "profile_population": ("Einwohner (31.12.2024)", "Population (31 Dec 2024)"),
    "profile_area": ("Fläche", "Area"),
    "profile_sources_note": ("Quelle: je Indikator die amtliche Tabelle (Spalte Tabelle), Einzelheiten unter Daten & "
                             "Methoden · Lizenz: dl-de/by-2-0 · Stichtag je Zeile",
                             "Source: the official table per indicator (column Table code), details under Data & methods · "
                             "Licence: dl-de/by-2-0 · reference date per row"),
    "profile_open_compare": ("Im Vergleich öffnen", "Open in comparison"),
    "profile_spark": ("Verlauf", "Trend"),
    "profile_spark_help": ("Alle Jahre mit Wert; gestrichelt: Zensus-Bruch 2011 bzw. 2022",
                           "All years with a value; dashed: census break 2011 or 2022"),
    "profile_level_col": ("Ebene", "Level"),
    "profile_kreis_level": ("Kreis (gleiches Gebiet)", "District (same territory)"),
    "profile_same_territory": ("Kreisfreie Stadt: Indikatoren, die nur für Kreise veröffentlicht werden, stammen vom "
                               "Kreis {kreis} – dasselbe Gebiet.",
                               "Independent city: indicators published only for districts come from the district "
                               "{kreis} – the same territory."),
    "profile_summary": ("Zusammenfassung", "Summary"),
    "group_series": ("Gruppen im Zeitverlauf", "Groups over time"),
    "group_series_none": ("Keine Gruppenwerte über mehrere Jahre.", "No group figures over several years."),
    "sum_group_series": ("{g} Gruppen, {y0}–{y1}; jeder Punkt ein Gruppenwert nach denselben Regeln wie die Tabelle.",
                         "{g} groups, {y0}–{y1}; each point a group figure with the same rules as the table."),
    # sources
    "sources_title": ("Daten & Methoden", "Data & methods"),
    "sources_catalogue": ("Indikatorenkatalog", "Indicator catalogue"),
    "sources_definition": ("Definition", "Definition"),
    "sources_levels": ("Ebenen", "Levels"),
    "sources_years": ("Jahre", "Years"),
    "sources_gaps": ("Bekannte Lücken", "Known gaps"),
    "sources_latest": ("Neuester Stichtag je Ebene (Alter)", "Latest reference date per level (age)"),
    "sources_role": ("Rolle", "Role"),
    "sources_polarity": ("Richtung", "Polarity"),
    "sources_differs": ("Abgrenzung zu ähnlichen Indikatoren", "How it differs from similar indicators"),
    "role_pressure": ("Zuzug / Belastung", "Arrival / pressure"),
    "role_capacity": ("Kapazität", "Capacity"),
    "role_context": ("Kontext", "Context"),
    "polarity_higher_is_better": ("mehr = günstiger", "higher is better"),
    "polarity_higher_is_worse": ("mehr = ungünstiger", "higher is worse"),
    "polarity_neutral": ("neutral", "neutral"),
    "sources_gebietsstand": ("Gebietsstand: alle Schlüssel und Namen auf dem Stand vom {date} (GV100AD).",
                             "Territorial status: all keys and names as of {date} (GV100AD)."),
    "sources_licence": ("Lizenz: Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), "
                        "https://www.govdata.de/dl-de/by-2-0. Namensnennung je Quelle:",
                        "Licence: Data licence Germany – attribution – version 2.0 (dl-de/by-2-0), "
                        "https://www.govdata.de/dl-de/by-2-0. Attribution per source:"),
    "sources_last_run": ("Letzter ETL-Lauf", "Last ETL run"),
    "sources_freshness": ("Datenstand", "Data freshness"),
    "sources_snapshots": ("Eingelesene Dateien (Snapshots)", "Input files (snapshots)"),
    "sources_known_gaps_general": (
        "Schutzsuchende liegen nur für den 31.12.2024 vor; Daten zu Migration (Einwanderungsgeschichte) nur aus "
        "dem Zensus 2022 (15.05.2022). Gruppenwerte sind Quotienten von Summen, veröffentlichte Quoten werden "
        "mit der Bevölkerung gewichtet.",
        "Protection seekers are available for 31 Dec 2024 only; migration data (immigration history) only from "
        "the Census 2022 (15 May 2022). Group figures are ratios of sums; published rates are weighted by population."),
    "outcome": ("Ergebnis", "Outcome"),
    "started": ("Beginn", "Started"),
    "finished": ("Ende", "Finished"),
    # reach: share, embed, export, citation, phone layout (dashboard/components/reach.py)
    "nav_toggle": ("Navigation ein-/ausblenden", "Toggle navigation"),
    "drawer_open": ("Einstellungen", "Settings"),
    "drawer_open_title": ("Auswahl und Filter öffnen", "Open selection and filters"),
    "drawer_close": ("Schließen", "Close"),
    "share": ("Teilen & zitieren", "Share & cite"),
    "share_copy_link": ("Link kopieren", "Copy link"),
    "share_copied": ("Kopiert.", "Copied."),
    "share_copy_failed": ("Kopieren nicht möglich – bitte den Text markieren.", "Could not copy – please select the text."),
    "share_permalink": ("Dauerhafter Link zu dieser Ansicht", "Permanent link to this view"),
    "share_embed": ("Einbetten (iframe)", "Embed (iframe)"),
    "share_embed_code": ("HTML-Code zum Einbetten", "HTML code for embedding"),
    "share_embed_open": ("Einbettbare Ansicht öffnen", "Open embeddable view"),
    "share_geojson": ("GeoJSON der Einheiten", "GeoJSON of the units"),
    "share_citation": ("Zitieren", "Cite"),
    "share_citation_text": ("Zitat (Text)", "Citation (text)"),
    "share_bibtex": ("BibTeX", "BibTeX"),
    "share_copy_citation": ("Zitat kopieren", "Copy citation"),
    "share_copy_bibtex": ("BibTeX kopieren", "Copy BibTeX"),
    "export_png": ("PNG", "PNG"),
    "export_svg": ("SVG", "SVG"),
    "export_title": ("{what} als {fmt} herunterladen (mit Titel, Legende, Quelle, Stichtag und Lizenz)",
                     "Download {what} as {fmt} (with title, legend, source, reference date and licence)"),
    "export_map": ("Karte", "map"),
    "export_chart": ("Diagramm", "chart"),
    "embed_back": ("Vollständige Ansicht im Integrationsatlas öffnen", "Open the full view in the Integration Atlas"),
    "cite_accessed": ("abgerufen am", "accessed"),
    "cite_build": ("Datenbestand", "data build"),
    "cite_processed": ("aufbereitet im Integrationsatlas", "processed in the Integration Atlas"),
    "cite_tables_profile": ("Tabellen je Indikator: {tables}", "tables per indicator: {tables}"),
    "cite_tables_catalogue": ("Tabellen laut Indikatorenkatalog (Daten & Methoden)",
                              "tables as listed in the indicator catalogue (Data & methods)"),
    "cite_publishers": ("Statistische Ämter des Bundes und der Länder u. a.", "Statistical Offices of the Federation and the Länder et al."),
    "chart_data_link": ("Daten dieser Ansicht als Tabelle", "Data of this view as a table"),
    "sum_bars": ("{n} Gruppen; höchster Wert {hi} ({hi_g}), niedrigster {lo} ({lo_g}).",
                 "{n} groups; highest value {hi} ({hi_g}), lowest {lo} ({lo_g})."),
    "sum_dist": ("Verteilung von {n} Einheiten in {g} Gruppen; Median insgesamt {med}.",
                 "Distribution of {n} units in {g} groups; overall median {med}."),
    "sum_scatter": ("{n} Einheiten mit beiden Werten; Korrelation r = {r}.",
                    "{n} units with both values; correlation r = {r}."),
    "sum_ts": ("Zeitreihe für {n} Einheiten, {y0}–{y1}.", "Time series for {n} units, {y0}–{y1}."),
    "sum_empty": ("Keine Werte für diese Auswahl.", "No values for this selection."),
    "compare_title": ("Vergleich: {indicator} · {level} · {year}", "Comparison: {indicator} · {level} · {year}"),
    "tap_to_profile": ("Erneut tippen öffnet das Profil", "Tap again to open the profile"),
    "map_slider_label": ("Klassenzahl", "Number of classes"),
    # steward console (/status)
    "nav_status": ("Status", "Status"),
    "st_title": ("Datenpflege: Aktualität, Läufe, Zeitplan", "Data stewardship: freshness, runs, schedule"),
    "st_intro": ("Stand jedes Datensatzes, die letzten ETL-Läufe mit ihren Änderungen und der Aktualisierungsplan. "
                 "Aktionen brauchen das Steward-Token.",
                 "State of every dataset, the recent ETL runs with what they changed, and the refresh schedule. "
                 "Actions need the steward token."),
    "st_read_only": ("Nur lesen: kein Steward-Token konfiguriert (IA_STEWARD_TOKEN). Aktionen werden vom Server abgelehnt.",
                     "Read-only: no steward token is configured (IA_STEWARD_TOKEN). The server refuses actions."),
    "st_datasets": ("Datensätze", "Datasets"),
    "st_dataset": ("Datensatz", "Dataset"), "st_publisher": ("Herausgeber", "Publisher"),
    "st_tables": ("Tabellen", "Tables"), "st_fetched": ("Zuletzt abgerufen", "Last fetched"),
    "st_mirror": ("Spiegel (schreibgeschützt)", "mirror (read-only)"),
    "st_dates": ("Stichtage im Bestand", "Reference dates held"), "st_latest": ("Neuester Stichtag", "Latest reference date"),
    "st_age": ("Alter (heute)", "Age (today)"), "st_next": ("Nächster geplanter Lauf", "Next scheduled run"),
    "st_last": ("Letztes Ergebnis", "Last outcome"), "st_paused": ("pausiert", "paused"),
    "st_unscheduled": ("nicht geplant", "not scheduled"),
    "st_months": ("{n} Monate", "{n} months"), "st_days": ("{n} Tage", "{n} days"),
    "st_runs": ("Letzte Läufe", "Recent runs"), "st_no_runs": ("Noch keine Läufe aufgezeichnet.", "No runs recorded yet."),
    "st_schedule": ("Zeitplan", "Schedule"), "st_entry": ("Eintrag", "Entry"),
    "st_running": ("Läuft gerade", "Running now"), "st_idle": ("Kein Lauf aktiv.", "No run in progress."),
    "st_actions": ("Aktionen (Steward)", "Steward actions"), "st_token": ("Steward-Token", "Steward token"),
    "st_refresh": ("Jetzt aktualisieren", "Refresh now"), "st_pause": ("Pausieren", "Pause"),
    "st_resume": ("Fortsetzen", "Resume"), "st_rollback": ("Zurückrollen", "Roll back"),
    "st_build": ("Build", "Build"), "st_builds_live": ("live", "live"),
    "st_trigger": ("Auslöser", "Trigger"),

    # capacity lens (/kapazitaet)
    "nav_lens": ("Aufnahme & Kapazität", "Arrival & capacity"),
    "lens_title": ("Aufnahme & Kapazität: wo Zuwanderung auf Integrationskapazität trifft",
                   "Arrival & capacity: where migration pressure meets integration capacity"),
    "lens_intro": ("Druck- und Kapazitätsindikatoren nebeneinander statt eines undurchsichtigen Index; ein eigener "
                   "Index nur mit sichtbaren Gewichten, Zutaten und Sensitivität; jeder Wert mit seinem Stichtag.",
                   "Pressure and capacity indicators side by side instead of one opaque index; an own composite only "
                   "with visible weights, ingredients and sensitivity; every value with its reference date."),
    "lens_level": ("Ebene", "Level"),
    "lens_pressure": ("Druck-Indikator", "Pressure indicator"),
    "lens_capacity": ("Kapazitäts-Indikator", "Capacity indicator"),
    "lens_capacity_value": ("Kapazitäts-Indikator (Wert)", "Capacity indicator (value)"),
    "lens_places": ("Hervorgehobene Orte (der erste: Steckbrief)", "Highlighted places (the first: place card)"),
    "lens_quadrant": ("Quadranten: Druck gegen Kapazität (Mediane als Fadenkreuz)",
                      "Quadrants: pressure against capacity (medians as cross-hairs)"),
    "lens_q_hp_lc": ("hohe Belastung, geringe Kapazität", "high pressure, low capacity"),
    "lens_q_hp_hc": ("hohe Belastung, hohe Kapazität", "high pressure, high capacity"),
    "lens_q_lp_lc": ("geringe Belastung, geringe Kapazität", "low pressure, low capacity"),
    "lens_q_lp_hc": ("geringe Belastung, hohe Kapazität", "low pressure, high capacity"),
    "lens_q_count": ("{n} {level}, {pop}", "{n} {level}, {pop}"),
    "lens_q_note": ("Hoch/gering = über/bis zum Median der gezeigten Einheiten; Kapazität in Richtung des Indikators "
                    "(bei „höher = schlechter“ heißt ein hoher Wert geringe Kapazität). Einwohner: GV100AD, {date}.",
                    "High/low = above/up to the median of the units shown; capacity in the indicator's direction "
                    "(for “higher = worse” a high value means low capacity). Inhabitants: GV100AD, {date}."),
    "lens_quad_summary": ("{n} {level} mit beiden Werten ({missing} ohne einen der Werte); Mediane: {mx} und {my}.",
                          "{n} {level} with both values ({missing} without one of them); medians: {mx} and {my}."),
    "lens_col_quadrant": ("Quadrant", "Quadrant"),
    "lens_col_bv": ("Kartenklasse Druck / Kap.-Wert (1–3)", "Map class pressure / cap. value (1–3)"),
    "lens_mismatch": ("Die gezeigten Werte haben verschiedene Stichtage – {items}: {years} Jahre auseinander.",
                      "The values shown have different reference dates – {items}: {years} years apart."),
    "lens_table_alt": ("Tabelle (Alternative zur Grafik) und CSV", "Table (alternative to the chart) and CSV"),
    "lens_bivariate": ("Bivariate Karte (3 × 3 Klassen)", "Bivariate map (3 × 3 classes)"),
    "lens_breaks_x": ("Grenzen Druck", "Breaks pressure"),
    "lens_breaks_y": ("Grenzen Kapazität", "Breaks capacity"),
    "lens_breaks_help": ("Leer = Terzile der gezeigten Einheiten mit beiden Werten; eigene Grenzen als „a,b“ (Dezimalpunkt).",
                         "Empty = tertiles of the units shown with both values; own breaks as “a,b” (decimal point)."),
    "lens_breaks_user": ("Klassen: eigene Grenzen", "Classes: user-set breaks"),
    "lens_breaks_tertiles": ("Klassen: Terzile der gezeigten Einheiten mit beiden Werten", "Classes: tertiles of the units shown with both values"),
    "lens_pal_puor": ("Lila × Gold (Stevens)", "Purple × gold (Stevens)"),
    "lens_pal_gnbu": ("Grün × Blau (Stevens)", "Green × blue (Stevens)"),
    "lens_legend_counts": ("Zahl im Feld = Einheiten (nach Filter)", "number in a cell = units (after filters)"),
    "lens_low": ("niedrig", "low"), "lens_mid": ("mittel", "middle"), "lens_high": ("hoch", "high"),
    "lens_legend_aria": ("Legende: Spalten {x} (steigend nach rechts), Zeilen {y} (steigend nach oben); Zahl = Einheiten",
                         "Legend: columns {x} (rising to the right), rows {y} (rising upwards); number = units"),
    "lens_map_alt": ("Bivariate Karte {x} × {y}, {level}: {n} Einheiten mit beiden Werten.",
                     "Bivariate map {x} × {y}, {level}: {n} units with both values."),
    "no_data": ("keine Daten", "no data"),
    "lens_card": ("Steckbrief: Perzentile in der Vergleichsgruppe", "Place card: percentiles within the peer group"),
    "lens_card_chart": ("Druck- und Kapazitätsindikatoren als Perzentil in der Vergleichsgruppe",
                        "Pressure and capacity indicators as percentile within the peer group"),
    "lens_peer": ("Vergleichsgruppe", "Peer group"),
    "lens_peer_default": ("Größenklasse × Ost/West (Kreise: Kommunaltyp × Ost/West)",
                          "Size class × East/West (Kreise: municipality type × East/West)"),
    "lens_peer_is": ("Vergleichsgruppe {group} ({n} Einheiten)", "peer group {group} ({n} units)"),
    "lens_to_profile": ("zum Profil", "open profile"),
    "lens_card_none": ("Wählen Sie links einen Kreis bzw. eine Gemeinde („Hervorgehobene Orte“) für den Steckbrief.",
                       "Choose a Kreis or Gemeinde on the left (“Highlighted places”) for the place card."),
    "lens_card_summary": ("{n} Indikatoren für {name}, Stichtage {d0} bis {d1} (je Zeile in der Tabelle); "
                          "↑+ = höher ist besser, ↑− = höher ist schlechter.",
                          "{n} indicators for {name}, reference dates {d0} to {d1} (per row in the table); "
                          "↑+ = higher is better, ↑− = higher is worse."),
    "lens_card_x": ("Perzentil in der Vergleichsgruppe (0 = niedrigster, 100 = höchster Wert)",
                    "Percentile within the peer group (0 = lowest, 100 = highest value)"),
    "lens_col_role": ("Rolle", "Role"),
    "lens_col_percentile": ("Perzentil", "Percentile"),
    "lens_col_peer_median": ("Median der Gruppe", "Peer median"),
    "lens_col_polarity": ("Richtung", "Direction"),
    "lens_role_pressure": ("Druck", "Pressure"), "lens_role_capacity": ("Kapazität", "Capacity"),
    "lens_pol_higher_is_better": ("höher = besser", "higher = better"),
    "lens_pol_higher_is_worse": ("höher = schlechter", "higher = worse"),
    "lens_pol_neutral": ("neutral", "neutral"),
    "lens_composite": ("Eigener Index – transparent", "Own composite – transparently"),
    "lens_composite_intro": ("Gewichtetes Mittel standardisierter Werte; Vorzeichen aus dem Katalog (änderbar). Die "
                             "Rangspanne zeigt den besten und schlechtesten Rang, wenn jedes Gewicht einzeln um ±50 % "
                             "variiert. Gewichte stehen im Link.",
                             "Weighted mean of standardised values; signs from the catalogue (overridable). The rank "
                             "range shows the best and worst rank when each weight alone varies by ±50 %. The weights "
                             "are in the link."),
    "lens_ingredients": ("Zutaten", "Ingredients"),
    "lens_weight_for": ("Gewicht für {ind}", "Weight for {ind}"),
    "lens_sign_plus": ("höher = mehr", "higher = more"), "lens_sign_minus": ("höher = weniger", "higher = less"),
    "lens_sign_help": ("* = Richtung laut Katalog.", "* = direction in the catalogue."),
    "lens_standardise": ("Standardisierung", "Standardisation"),
    "lens_cz_z": ("z-Werte", "z-scores"), "lens_cz_pct": ("Perzentile", "percentiles"),
    "lens_cz_short_z": ("z", "z"), "lens_cz_short_pct": ("Perz.", "pct"),
    "lens_within": ("innerhalb von", "within"),
    "lens_within_all": ("allen gezeigten Einheiten", "all units shown"),
    "lens_comp_none": ("Wählen Sie mindestens eine Zutat.", "Choose at least one ingredient."),
    "lens_comp_summary": ("{n} Einheiten mit allen Zutaten ({drop} ohne alle Werte nicht gerankt); {stable} der "
                          "ersten 10 behalten ihren Rang bei ±50 % je Gewicht, keiner fällt unter Rang {wmax}.",
                          "{n} units with every ingredient ({drop} without all values not ranked); {stable} of the "
                          "top 10 keep their rank at ±50 % per weight, none falls below rank {wmax}."),
    "lens_comp_weights": ("Gewichte: {w}; Standardisierung: {how} innerhalb von {within}.",
                          "Weights: {w}; standardisation: {how} within {within}."),
    "lens_composite_chart": ("Ranking (erste 25) mit den Beiträgen jeder Zutat; in Klammern die Rangspanne",
                             "Ranking (top 25) with each ingredient's contribution; rank range in brackets"),
    "lens_comp_x": ("Beitrag zum Index (Gewichtsanteil × standardisierter Wert)",
                    "Contribution to the composite (weight share × standardised value)"),
    "lens_col_rank": ("Rang", "Rank"), "lens_col_score": ("Index", "Composite"),
    "lens_col_rank_range": ("Rangspanne ±50 %", "Rank range ±50 %"),
    "lens_share": ("Anteil an den Schutzsuchenden gegen Anteil an der Bevölkerung",
                   "Share of protection seekers against share of the population"),
    "lens_share_intro": ("Verhältnis 1 = proportional zur Bevölkerung. Die Bevölkerung ist der dominierende Term des "
                         "Königsteiner Schlüssels und der meisten Verteilschlüssel der Länder – dies ist ein Vergleich, "
                         "nicht die gesetzliche Quote.",
                         "Ratio 1 = proportional to the population. Population is the dominant term of the Königsteiner "
                         "Schlüssel and of most Länder allocation keys – this is a comparison, not the legal quota."),
    "lens_share_chart": ("Länder: Anteil Schutzsuchende ÷ Anteil Bevölkerung",
                         "Länder: share of protection seekers ÷ share of population"),
    "lens_share_kreis_chart": ("Kreise des gewählten Landes: Anteil Schutzsuchende ÷ Anteil Bevölkerung",
                               "Kreise of the chosen Land: share of protection seekers ÷ share of population"),
    "lens_share_land": ("Kreise eines Landes zeigen", "Show the Kreise of one Land"),
    "lens_share_land_none": ("kein Land gewählt", "no Land chosen"),
    "lens_share_bar": ("{s} Schutzsuchende / {p} EW → {r}", "{s} protection seekers / {p} inh. → {r}"),
    "lens_share_bar_ks": (" · KS {year}: {ks} % (Bev. {sp} %)", " · KS {year}: {ks} % (pop. {sp} %)"),
    "lens_card_dates": ("Die Stichtage liegen {years} Jahre auseinander; Anzahlen ohne Bezugsgröße sind ausgelassen.",
                        "The reference dates are {years} years apart; counts without a base are left out."),
    "lens_share_x": ("Verhältnis (1 = proportional)", "Ratio (1 = proportional)"),
    "lens_share_ratio": ("Verhältnis", "Ratio"),
    "lens_share_seekers": ("Schutzsuchende", "Protection seekers"),
    "lens_share_pop": ("Bevölkerung", "Population"),
    "lens_share_s_pct": ("Anteil Schutzsuchende (%)", "Share of protection seekers (%)"),
    "lens_share_p_pct": ("Anteil Bevölkerung (%)", "Share of population (%)"),
    "lens_share_ks": ("Zum Vergleich der Königsteiner Schlüssel {year} (Spalte in der Tabelle).",
                      "For comparison the Königsteiner Schlüssel {year} (column in the table)."),
    "lens_share_ks_none": ("Königsteiner Schlüssel: keine Werte im Warehouse.", "Königsteiner Schlüssel: no values in the warehouse."),
    "lens_share_ks_short": ("Königsteiner Schlüssel", "Königsteiner Schlüssel"),
    "lens_share_ks_col": ("Königsteiner Schlüssel {year} (%)", "Königsteiner Schlüssel {year} (%)"),
    "lens_share_summary": ("Stichtag {date}: {n} Länder (Kreise summiert); das höchste Verhältnis hat {hi} ({r}).",
                           "Reference date {date}: {n} Länder (Kreise summed); the highest ratio: {hi} ({r})."),
    "lens_share_not_quota": ("Ein Vergleich mit dem Bevölkerungsanteil, nicht die gesetzliche Verteilquote "
                             "(Königsteiner Schlüssel / Landesverteilschlüssel).",
                             "A comparison with the population share, not the legal allocation quota "
                             "(Königsteiner Schlüssel / Länder allocation keys)."),
    "lens_share_kreis_summary": ("{land}: {n} Kreise bzw. Buchungsverbünde; {clusters} Verbund/Verbünde (bei einer "
                                 "Nachbarbehörde gebuchte Kreise zusammengefasst), {dropped} Kreise ohne eindeutigen "
                                 "Verbund ausgelassen.",
                                 "{land}: {n} Kreise or booking clusters; {clusters} cluster(s) (Kreise booked at a "
                                 "neighbouring authority merged), {dropped} Kreise without a unique cluster left out."),
}

# facet value key prefixes used by label()
_FACET_PREFIX = {"kommunaltyp": "kt_", "size_class": "sc_", "size_class_fine": "sf_", "east_west": "ew_",
                 "bbsr_kreistyp": "kty_"}


def t(key: str, lang: str = "de", **fmt) -> str:
    """Text for `key` in `lang`; unknown keys come back as the key so a typo is visible, not fatal."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**fmt) if fmt else text


def facet_label(facet: str, value, lang: str = "de") -> str:
    """Human label of one facet value (e.g. size_class 'grossstadt' → 'Großstadt (≥ 100.000)')."""
    if value is None or (isinstance(value, float) and value != value):
        # no size class: Landkreise (the BBSR classes are for municipalities) and unpopulated gemeindefreie Gebiete
        return t("size_class_none", lang) if facet in ("size_class", "size_class_fine") else t("missing_value", lang)
    prefix = _FACET_PREFIX.get(facet)
    if prefix is None:
        return str(value)
    if facet == "bbsr_kreistyp":
        try:
            value = int(float(value))
        except (TypeError, ValueError):
            return str(value)
    key = f"{prefix}{value}"
    return t(key, lang) if key in TEXTS else str(value)


def indicator_label(row, lang: str = "de") -> str:
    """Label of an indicator row from core.dim_indicator (a dict or pandas Series)."""
    return str(row["label_en"] if lang == "en" and row.get("label_en") else row["label_de"])


def indicator_unit(row, lang: str = "de") -> str:
    unit = row.get("unit_en") if lang == "en" else row.get("unit")
    return str(unit or row.get("unit") or "")


def fmt_number(value, lang: str = "de", digits: int | None = None) -> str:
    """Number with German or English separators; integers without decimals."""
    if value is None or (isinstance(value, float) and value != value):
        return t("missing_value", lang)
    v = float(value)
    if digits is None:
        digits = 0 if v.is_integer() and abs(v) >= 1 or v == 0 else (1 if abs(v) >= 10 else 2)
    s = f"{v:,.{digits}f}"
    if lang == "de":
        s = s.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return s


_DE_SEPARATORS = str.maketrans({",": ".", ".": ","})


def fmt_numbers(values, lang: str = "de") -> list[str]:
    """fmt_number for a whole column at once (the map payload formats 11,000 values per change): the digits rule
    decided in numpy, one format() per value, the German separators swapped in one translate over all of them."""
    import numpy as np
    import pandas as pd
    arr = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(arr), t("missing_value", lang), dtype=object)
    known = ~np.isnan(arr)
    with np.errstate(invalid="ignore"):
        whole = known & (((arr == np.floor(arr)) & (np.abs(arr) >= 1) & np.isfinite(arr)) | (arr == 0))
    ten = known & ~whole & (np.abs(arr) >= 10)
    for mask, spec in ((whole, ",.0f"), (ten, ",.1f"), (known & ~whole & ~ten, ",.2f")):
        if mask.any():
            strs = [format(v, spec) for v in arr[mask].tolist()]
            if lang == "de":
                strs = "\n".join(strs).translate(_DE_SEPARATORS).split("\n")
            out[mask] = strs
    return out.tolist()


def fmt_date(value, lang: str = "de") -> str:
    """ISO date → 31.12.2024 (de) / 2024-12-31 (en)."""
    if value is None or (isinstance(value, float) and value != value):
        return t("missing_value", lang)
    s = str(value)[:10]
    if lang == "de" and len(s) == 10 and s[4] == "-":
        return f"{s[8:10]}.{s[5:7]}.{s[0:4]}"
    return s
