"""Authoring script: writes etl/indicators/deutschlandatlas.yml from the two official PDFs (pypdf) and the
hand-made table below (English texts, role, polarity, unit, weight, range, reference-date rule).

German label/definition, the quoted key phrase and the PDF pages come from the PDF of each edition
(scripts/deutschlandatlas_pdf.py); the newest edition that has an entry is quoted. Re-run after a new edition:

    python scripts/author_deutschlandatlas_indicators.py > etl/indicators/deutschlandatlas.yml
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deutschlandatlas_pdf import entries  # noqa: E402

STORE = Path(__file__).resolve().parents[1].parent / "shared" / "opendata"
PDF = "extracted_from_xlsx_Datenangebot_Deutschlandatlas_Indikatoren.pdf"
EDITIONS = {"2024-12-12": "deutschlandatlas_2024-12-12", "2026-04-22": "deutschlandatlas_2026-04-22"}

P, PW = "population", None
# code: (id, label_en, unit, unit_en, weight, range, role, polarity, reference_date rule, definition_en)
# reference_date rule: "YYYY-MM-DD" pattern (YYYY = the year of the edition's PDF entry), or {year: date}.
T = {
 "fl_suv": (None, "Settlement and transport area share", "%", "%", PW, [0, 100], "context", "neutral", None,
            "Settlement and transport area as a share of total area, 31 Dec (sustainability-strategy definition, without mining, open-cast mines, pits and quarries)."),
 "fl_landw": (None, "Agricultural area share", "%", "%", PW, [0, 100], "context", "neutral", None,
              "Agricultural land as a share of total area, 31 Dec."),
 "fl_wald": (None, "Forest area share", "%", "%", PW, [0, 100], "context", "neutral", None,
             "Forest as a share of total area, 31 Dec."),
 "bev_dicht": (None, "Population density", "EW je km²", "inhabitants per km²", PW, [0, 20000], "context", "neutral", None,
               "Inhabitants per km², 31 Dec (population update)."),
 "bev_entw": (None, "Population change per year", "% p. a.", "% per year", P, [-50, 100], "context", "neutral", None,
              "Average annual population change over five years: (population at the end − population five years earlier) / 5, relative to the earlier population; 31 Dec each."),
 "bev_binw": (None, "Internal migration balance", "je 10.000 EW", "per 10,000 inhabitants", P, [-3000, 3000], "context", "neutral", None,
              "Balance of moves within Germany (in minus out) per 10,000 inhabitants in the year (migration statistics). Domestic moves, not immigration from abroad."),
 "bev_ausw": (None, "External migration balance", "je 10.000 EW", "per 10,000 inhabitants", P, [-3000, 3000], "pressure", "neutral", None,
              "Balance of moves across the German border (arrivals from abroad minus departures abroad) per 10,000 inhabitants in the year (migration statistics)."),
 "st_einnkr": (None, "Tax revenue capacity per inhabitant", "€ je EW", "€ per inhabitant", P, [-20000, 500000], "capacity", "higher_is_better", None,
               "Municipal tax revenue capacity per inhabitant in the year (Realsteuervergleich). Missing values are coded -99999 in the 2026 edition."),
 "ko_kasskred": (None, "Municipal cash credits per inhabitant", "€ je EW", "€ per inhabitant", P, [0, 20000], "capacity", "higher_is_worse", None,
                 "Municipal cash credits (short-term liquidity loans) per inhabitant, 31 Dec; core budgets only. High values signal fiscal stress."),
 "bev_u18": (None, "Share of under-18s", "%", "%", P, [0, 100], "context", "neutral", None,
             "Persons under 18 as a share of the total population, 31 Dec."),
 "bev_18_65": (None, "Share of 18- to under 65-year-olds", "%", "%", P, [0, 100], "context", "neutral", None,
               "Persons aged 18 to under 65 as a share of the total population, 31 Dec."),
 "bev_ue65": (None, "Share of persons aged 65 and over", "%", "%", P, [0, 100], "context", "neutral", None,
              "Persons aged 65 and over as a share of the total population, 31 Dec."),
 "ew_sportv": (None, "Sports clubs per 100,000 inhabitants", "je 100.000 EW", "per 100,000 inhabitants", P, [0, 1000], "context", "neutral", "YYYY-01-01",
               "Sports clubs per 100,000 inhabitants; club data on 1 Jan (NRW: 1 Mar) of the year, population on 31 Dec of the year before (Census 2011 basis)."),
 "mitgl_sportv": (None, "Sports club members per 100 inhabitants", "je 100 EW", "per 100 inhabitants", P, [0, 200], "context", "neutral", "YYYY-01-01",
                  "Members of sports clubs per 100 inhabitants; club data on 1 Jan (NRW: 1 Mar), population on 31 Dec of the year before."),
 "wahl_beteil": (None, "Turnout in the federal election", "%", "%", P, [0, 100], "context", "neutral", {2021: "2021-09-26", 2025: "2025-02-23"},
                 "Turnout in the Bundestag election in the Kreis, in % (general federal election statistics; election day as the reference date)."),
 "wohn_eigen": (None, "Home-ownership rate (households)", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-05-15",
                "Households living in owner-occupied dwellings as a share of all households (Census 2022, 15 May 2022). Refers to households, not dwellings."),
 "wohn_leer": (None, "Vacant dwellings share", "%", "%", PW, [0, 100], "capacity", "higher_is_better", "YYYY-05-15",
               "Vacant dwellings as a share of dwellings in buildings with living space, excluding holiday homes (Census 2022 building and housing count, 15 May 2022). More vacancy = more room to house newcomers."),
 "wohn_EZFH": (None, "New dwellings in one- and two-family houses per 10,000 inhabitants", "je 10.000 EW", "per 10,000 inhabitants", P, [0, 500], "capacity", "higher_is_better", None,
               "Dwellings completed in new one- and two-family houses per 10,000 inhabitants in the year (building completion statistics)."),
 "wohn_MFH": (None, "New dwellings in multi-family houses per 10,000 inhabitants", "je 10.000 EW", "per 10,000 inhabitants", P, [0, 500], "capacity", "higher_is_better", None,
              "Dwellings completed in new multi-family houses per 10,000 inhabitants in the year (building completion statistics)."),
 "heiz_wohn": (None, "New dwellings heated mainly by renewables", "%", "%", PW, [0, 100], "context", "neutral", None,
               "Completed dwellings with primarily renewable heating energy as a share of all dwellings built in new residential buildings in the year."),
 "heiz_wohn_best": (None, "Dwelling stock heated mainly by renewables", "%", "%", PW, [0, 100], "context", "neutral", None,
                    "Dwellings with primarily renewable heating energy as a share of all existing dwellings in residential buildings (the PDF's wording: 'fertiggestellter Wohnungen … an allen bestehenden Wohnungen')."),
 "bquali_unifh": (None, "Employees with an academic degree", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-06-30",
                  "Employees subject to social insurance at the workplace with an academic degree as a share of all such employees (BA employment statistics, 30 June)."),
 "bquali_mabschl": (None, "Employees with a vocational qualification (no degree)", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-06-30",
                    "Employees subject to social insurance at the workplace with a recognised vocational qualification and no academic degree as a share of all such employees (30 June)."),
 "bquali_oabschl": (None, "Employees without a vocational qualification", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-06-30",
                    "Employees subject to social insurance at the workplace without a vocational or academic qualification as a share of all such employees (30 June)."),
 "erw_wachs": (None, "Employment growth per year (10 years)", "% p. a.", "% per year", PW, [-20, 20], "capacity", "higher_is_better", None,
               "Average annual change in persons employed at the workplace over ten years: (end − start) / 10 relative to the start year; annual averages (regional employment accounts, revised regularly)."),
 "erw_vol": (None, "Change in hours worked since 2014", "%", "%", PW, [-100, 100], "capacity", "higher_is_better", None,
             "Change in the volume of work (hours worked) at the workplace from 2014 to the year, in % (regional employment accounts)."),
 "erw_mini": (None, "Marginal employment only, share of employed", "%", "%", PW, [0, 100], "capacity", "neutral", "YYYY-06-30",
              "Persons in marginal employment only (minijob) at the workplace, 30 June, as a share of all persons employed (annual average)."),
 "erw_minineben": (None, "Marginal second jobs, share of employed", "%", "%", PW, [0, 100], "capacity", "neutral", "YYYY-06-30",
                   "Persons with a marginal second job at the workplace, 30 June, as a share of all persons employed (annual average)."),
 "beschq_insg": (None, "Employment rate (residence)", "je 100 EW im erwerbsf. Alter", "per 100 working-age inhabitants", P, [0, 400], "capacity", "higher_is_better", "YYYY-06-30",
                 "Employees subject to social insurance living in the municipality (30 June) per 100 inhabitants of working age (31 Dec of the year before). Small municipalities can exceed 100."),
 "beschq_w": (None, "Employment rate of women (residence)", "je 100 Frauen im erwerbsf. Alter", "per 100 working-age women", P, [0, 400], "capacity", "higher_is_better", "YYYY-06-30",
              "Female employees subject to social insurance living in the municipality (30 June) per 100 women of working age."),
 "beschq_m": (None, "Employment rate of men (residence)", "je 100 Männer im erwerbsf. Alter", "per 100 working-age men", P, [0, 400], "capacity", "higher_is_better", "YYYY-06-30",
              "Male employees subject to social insurance living in the municipality (30 June) per 100 men of working age."),
 "teilz_insg": (None, "Part-time share of employees", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-06-30",
                "Employees subject to social insurance working part-time at the workplace as a share of all such employees (30 June)."),
 "teilz_w": (None, "Part-time share of female employees", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-06-30",
             "Female employees working part-time at the workplace as a share of all female employees subject to social insurance (30 June)."),
 "teilz_m": (None, "Part-time share of male employees", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-06-30",
             "Male employees working part-time at the workplace as a share of all male employees subject to social insurance (30 June)."),
 "erw_bip": (None, "GDP per person employed", "1.000 €", "€ 1,000", PW, [0, 500], "capacity", "higher_is_better", None,
             "Gross domestic product at current prices per person employed at the workplace (annual average), in € 1,000 (regional accounts, revised regularly)."),
 "hh_veink": (None, "Disposable household income per inhabitant", "1.000 €", "€ 1,000", P, [0, 100], "capacity", "higher_is_better", None,
              "Disposable income of private households incl. non-profit institutions serving households (annual total) per inhabitant (31 Dec), in € 1,000."),
 "schulden": (None, "Over-indebted adults", "%", "%", P, [0, 100], "capacity", "higher_is_worse", None,
              "Over-indebted persons aged over 18 as a share of that age group (Creditreform SchuldnerAtlas)."),
 "elterng_v": (None, "Fathers' take-up of parental allowance", "%", "%", PW, [0, 100], "context", "neutral", None,
               "Children whose father drew parental allowance as a share of all children giving entitlement, by birth year (published with a lag until parental leave has ended)."),
 "grusi": ("da_grusi", "Old-age basic income support, share of 65+", "%", "%", PW, [0, 100], "capacity", "higher_is_worse", None,
           "Recipients of basic income support in old age outside institutions who have reached the age limit (section 41(2) SGB XII) as a share of the population aged 65 and over, 31 Dec. Kürzel 'grusi' (edition 2024) and 'grusi_insg' (edition 2026)."),
 "grusi_w": (None, "Old-age basic income support, share of women 65+", "%", "%", PW, [0, 100], "capacity", "higher_is_worse", None,
             "Female recipients of basic income support in old age outside institutions as a share of women aged 65 and over, 31 Dec."),
 "grusi_m": (None, "Old-age basic income support, share of men 65+", "%", "%", PW, [0, 100], "capacity", "higher_is_worse", None,
             "Male recipients of basic income support in old age outside institutions as a share of men aged 65 and over, 31 Dec."),
 "sozsich": (None, "Minimum social security benefits rate", "%", "%", P, [0, 100], "capacity", "higher_is_worse", None,
             "Recipients of minimum social security benefits (SGB II Bürgergeld/formerly Arbeitslosengeld II and Sozialgeld, SGB XII subsistence aid outside institutions, basic income support in old age and for reduced earning capacity, standard benefits under the Asylum Seekers' Benefits Act) as a share of all inhabitants, 31 Dec."),
 "v_breitb50": (None, "Households with ≥ 50 Mbit/s broadband", "%", "%", P, [0, 100], "context", "neutral", None,
                "Households that can be supplied with an internet speed of at least 50 Mbit/s, in % (Breitbandatlas / Gigabit-Grundbuch; month named in the PDF of each edition)."),
 "v_breitb1000": (None, "Households with ≥ 1,000 Mbit/s broadband", "%", "%", P, [0, 100], "context", "neutral", None,
                  "Households that can be supplied with an internet speed of at least 1,000 Mbit/s, in % (Breitbandatlas / Gigabit-Grundbuch)."),
 "v_gsm": (None, "Mobile coverage GSM (area)", "% der Fläche", "% of area", PW, [0, 100], "context", "neutral", "YYYY-01-31",
           "Mobile broadband availability with GSM in % of the area (federal Breitbandatlas, status January of the year)."),
 "v_lte": (None, "Mobile coverage LTE (area)", "% der Fläche", "% of area", PW, [0, 100], "context", "neutral", "YYYY-01-31",
           "Mobile broadband availability with LTE in % of the area (federal Breitbandatlas, status January of the year)."),
 "v_5g": (None, "Mobile coverage 5G (area)", "% der Fläche", "% of area", PW, [0, 100], "context", "neutral", "YYYY-01-31",
          "Mobile broadband availability with 5G in % of the area (federal Breitbandatlas, status January of the year)."),
 "auto": (None, "Cars per 1,000 inhabitants", "je 1.000 EW", "per 1,000 inhabitants", P, [0, 3000], "context", "neutral", None,
          "Passenger cars per 1,000 inhabitants (Kraftfahrt-Bundesamt; population update)."),
 "p_markt": (None, "Drive time to the nearest supermarket", "Minuten", "minutes", P, [0, 300], "context", "neutral", None,
             "Mean car travel time to the nearest supermarket or discounter, in minutes (Thünen accessibility model)."),
 "eauto": (None, "Battery-electric share of cars", "%", "%", PW, [0, 100], "context", "neutral", "YYYY-01-01",
           "Passenger cars with a purely electric drive (BEV) as a share of all cars; KBA registration districts, 1 Jan of the year."),
 "elade": (None, "Public charging points per 100,000 inhabitants", "je 100.000 EW", "per 100,000 inhabitants", P, [0, 5000], "context", "neutral", "YYYY-10-01",
           "Publicly accessible charging points for electric vehicles (normal and fast) per 100,000 inhabitants (Bundesnetzagentur, 1 Oct; population on 31 Dec of the year before). The 2026 PDF heads the entry 'im Jahr 2024' but names the Stichtag 01.10.2025: the reference date follows the Stichtag."),
 "p_nelade": (None, "Drive time to the nearest public normal charger", "Minuten", "minutes", P, [0, 300], "context", "neutral", None,
              "Car travel time to the nearest publicly accessible normal charging station for electric cars, in minutes (Thünen accessibility model)."),
 "p_selade": (None, "Drive time to the nearest public fast charger", "Minuten", "minutes", P, [0, 300], "context", "neutral", None,
              "Car travel time to the nearest publicly accessible fast charging station for electric cars, in minutes (Thünen accessibility model)."),
 "p_hbad": (None, "Drive time to the nearest indoor pool", "Minuten", "minutes", P, [0, 300], "context", "neutral", None,
            "Car travel time to the nearest indoor swimming pool, in minutes (Thünen accessibility model, Bäderatlas)."),
 "p_freibad": (None, "Drive time to the nearest outdoor pool", "Minuten", "minutes", P, [0, 300], "context", "neutral", None,
               "Car travel time to the nearest natural or outdoor swimming pool, in minutes (Thünen accessibility model, Bäderatlas)."),
 "p_harzt": (None, "Drive time to the nearest GP practice", "Minuten", "minutes", P, [0, 300], "capacity", "higher_is_worse", None,
             "Mean (median) car travel time to the nearest general practitioner's practice, in minutes (Thünen accessibility model, federal physician register)."),
 "v_harzt": (None, "GPs per 100,000 inhabitants", "je 100.000 EW", "per 100,000 inhabitants", P, [0, 500], "capacity", "higher_is_better", None,
             "General practitioners per 100,000 inhabitants (German Medical Association)."),
 "v_karzt": (None, "Paediatricians per 100,000 children under 15", "je 100.000 EW unter 15", "per 100,000 inhabitants under 15", P, [0, 1000], "capacity", "higher_is_better", None,
             "Paediatricians per 100,000 inhabitants under 15 (National Association of Statutory Health Insurance Physicians; population update)."),
 "p_notfall": (None, "Drive time to the nearest emergency department", "Minuten", "minutes", P, [0, 300], "capacity", "higher_is_worse", None,
               "Car travel time to the nearest hospital with a central emergency department or emergency outpatient unit, in minutes (Thünen accessibility model)."),
 "p_apo": (None, "Drive time to the nearest pharmacy", "Minuten", "minutes", P, [0, 300], "capacity", "higher_is_worse", None,
           "Mean car travel time to the nearest public pharmacy, in minutes (Thünen accessibility model)."),
 "luftrtng": (None, "Air rescue flight time (daytime)", "Minuten", "minutes", P, [0, 120], "context", "neutral", None,
              "Average daytime flight time of air rescue, in minutes (Thünen accessibility model; helicopter bases January 2017)."),
 "pfl_ambu": (None, "Care recipients in outpatient care", "%", "%", PW, [0, 100], "context", "neutral", None,
              "Persons in need of care receiving services from an approved outpatient care service (SGB XI) as a share of all persons in need of care, 31 Dec."),
 "pfl_stat": (None, "Care recipients in full-time residential care", "%", "%", PW, [0, 100], "context", "neutral", None,
              "Persons in need of care in full-time permanent residential care (without short-term care) as a share of all persons in need of care, 31 Dec."),
 "pfl_geld": (None, "Care allowance recipients", "%", "%", PW, [0, 100], "context", "neutral", None,
              "Recipients of care allowance (Pflegegeld) as a share of all persons in need of care, 31 Dec."),
 "p_grunds": (None, "Drive time to the nearest primary school", "Minuten", "minutes", P, [0, 300], "capacity", "higher_is_worse", None,
              "Car travel time to the nearest primary school, in minutes (Thünen accessibility model; school directories of the Länder 2021–24)."),
 "p_sek_1": (None, "Drive time to the nearest lower-secondary school", "Minuten", "minutes", P, [0, 300], "capacity", "higher_is_worse", None,
             "Car travel time to the nearest school with lower secondary level (up to grade 10), in minutes (Thünen accessibility model)."),
 "p_sek_2": (None, "Drive time to the nearest upper-secondary school", "Minuten", "minutes", P, [0, 300], "capacity", "higher_is_worse", None,
             "Car travel time to the nearest school with upper secondary level, in minutes (Thünen accessibility model)."),
 "schule_oabschl": (None, "School leavers without a lower-secondary certificate", "%", "%", PW, [0, 100], "capacity", "higher_is_worse", None,
                    "School leavers without a Hauptschulabschluss as a share of all leavers from general schools in the year."),
 "kbetr_u3": ("childcare_quota_u3_da", "Childcare quota under 3 (Deutschlandatlas)", "%", "%", P, [0, 130], "capacity", "higher_is_better", "YYYY-03-01",
              "Children under 3 in publicly funded day care (day-care centres and childminders together, no double counting; 1 March) divided by the population under 3 on 31 December of the same year."),
 "kbetr_ue3": ("childcare_quota_3to6_da", "Childcare quota 3 to under 6 (Deutschlandatlas)", "%", "%", P, [0, 150], "capacity", "higher_is_better", "YYYY-03-01",
               "Children aged 3 to under 6 in publicly funded day care (centres and childminders, no double counting; 1 March) divided by the population aged 3 to under 6 on 31 December of the same year; values above 100 can therefore occur."),
 "kbetr_ue6": ("childcare_quota_6to11_da", "Childcare quota 6 to under 11 (Deutschlandatlas)", "%", "%", P, [0, 130], "capacity", "higher_is_better", "YYYY-03-01",
               "Children aged 6 to under 11 in publicly funded day care (centres and childminders, no double counting; 1 March) divided by the population aged 6 to under 11 on 31 December. (The 2026 PDF names the Stichtage 01.03.2023/31.12.2023 in the method note but 2024 in the heading and the table header; the table's year is used.)"),
 "kbtr_pers": (None, "Day-care places per pedagogical staff member", "Plätze je Vollzeitstelle", "places per full-time equivalent", PW, [0, 50], "capacity", "higher_is_worse", "YYYY-03-01",
               "Licensed places in day-care centres divided by the full-time-equivalent number of pedagogical staff, 1 March. More places per staff member = thinner staffing."),
 "kinder_bg": (None, "Children under 15 in SGB II households", "%", "%", P, [0, 100], "capacity", "higher_is_worse", None,
               "Non-employable beneficiaries (Sozialgeld) under 15 in SGB II benefit units as a share of the population under 15, 31 Dec."),
 "straft": (None, "Recorded crimes per 100,000 inhabitants", "je 100.000 EW", "per 100,000 inhabitants", P, [0, 100000], "context", "neutral", None,
            "Criminal offences recorded in total per 100,000 inhabitants in the year (police crime statistics, BKA)."),
 "einbr": (None, "Residential burglaries per 100,000 inhabitants", "je 100.000 EW", "per 100,000 inhabitants", P, [0, 5000], "context", "neutral", None,
           "Cases of residential burglary per 100,000 inhabitants in the year (police crime statistics, BKA)."),
 "p_poli": (None, "Drive time from the nearest police station", "Minuten", "minutes", P, [0, 300], "context", "neutral", None,
            "Mean car travel time from the nearest police station, in minutes (Thünen accessibility model; police locations 2014)."),
}
ALIASES = {"grusi_insg": "grusi"}  # same definition, renamed Kürzel in the 2026 edition
# codes that continue an existing id (etl/indicators/core.yml); listed in the catalogue under `continues`
CONTINUED = {"alq": "unemployment_rate", "bev_ausl": "foreigners_share"}
# staged, not emitted: Gemeindeverband level (VBGEM) and class labels
NOT_EMITTED = {"preis_miet_best", "reg_energie", "pendel", "oenv", "p_ozmz_miv", "p_ozmz_oev", "preis_miet", "preis_baul"}

# German labels that must say whose definition they follow (the workbook titles do not; INKAR has look-alike series)
LABEL_DE = {"childcare_quota_u3_da": "Kindertagesbetreuung unter 3 Jahren (Deutschlandatlas)",
            "childcare_quota_3to6_da": "Kindertagesbetreuung 3 bis unter 6 Jahre (Deutschlandatlas)",
            "childcare_quota_6to11_da": "Kindertagesbetreuung 6 bis unter 11 Jahre (Deutschlandatlas)"}

DIFFERS = {
 "kbetr_u3": ("childcare_rate_under3",
              'Eigene Reihe, nicht als Fortsetzung der INKAR-Betreuungsquote (childcare_rate_under3) geführt: Der Deutschlandatlas definiert seine Quote im eigenen PDF (Kindertageseinrichtungen und Kindertagespflege ohne Doppelzählungen, Nenner Kinder am 31.12. desselben Jahres). Die INKAR-Reihe hat nachgerechnet denselben Aufbau (2015/2016), endet aber 2020; der Deutschlandatlas beginnt 2022 – ohne gemeinsames Jahr lässt sich nicht prüfen, dass beide übereinstimmen. Die amtliche Destatis-Quote teilt dagegen durch die Kinder am 31.12. des Vorjahres.',
              "A series of its own, not continued from the INKAR childcare rate (childcare_rate_under3): the Deutschlandatlas defines its quota in its own PDF (day-care centres and childminders without double counting, denominator children on 31 Dec of the same year). The INKAR series has the same structure when recomputed (2015/2016) but ends in 2020; the Deutschlandatlas starts in 2022 - with no common year, agreement cannot be tested. Destatis' official quota divides by the children on 31 Dec of the previous year instead."),
 "kbetr_ue3": ("childcare_rate_3to6",
               'Eigene Reihe, nicht als Fortsetzung von childcare_rate_3to6 (INKAR, bis 2020) geführt: Definition des Deutschlandatlas (Tageseinrichtungen + Tagespflege, Nenner Kinder am 31.12. desselben Jahres, Werte über 100 möglich); kein gemeinsames Jahr zum Abgleich.',
               'A series of its own, not continued from childcare_rate_3to6 (INKAR, to 2020): the Deutschlandatlas definition (centres + childminders, denominator children on 31 Dec of the same year, values above 100 possible); no common year to compare.'),
 "kbetr_ue6": (None,
               "Keine andere Reihe im Bestand; Definition wie die Quoten unter 3 und 3 bis unter 6 (Tageseinrichtungen + "
               "Tagespflege, Nenner 31.12. desselben Jahres).",
               "No other series in the store; defined like the under-3 and 3-to-6 quotas (centres + childminders, "
               "denominator 31 Dec of the same year)."),
}


# words pypdf splits in the 2026 PDF (the squashed comparison in the tests is not affected)
FIXES = {"ak ademischen": "akademischen", "ei nen": "einen", "Fr auen": "Frauen", "Mä nner": "Männer",
         "A usgeschlossen": "Ausgeschlossen", " i n %": " in %", "i nsgesamt": "insgesamt", "Pk w": "Pkw",
         "W ohnungs": "Wohnungs", "O rganisations": "Organisations", "S tationäre": "Stationäre",
         "H allenbäder": "Hallenbäder", "N ormal": "Normal", "S chnell": "Schnell", "V ersorgung": "Versorgung",
         "65-J ährige": "65-Jährige", "Landwi rtschaft": "Landwirtschaft", "u nd ": "und ", "F rauen": "Frauen",
         "jahr 2023": "Jahr 2023"}


def _fix(text: str) -> str:
    for a, b in FIXES.items():
        text = text.replace(a, b)
    return text


def _quote(desc: str) -> str:
    """The stable key phrase of a PDF description: the text before its year."""
    q = re.split(r"\s(?:im [Jj]ahr|in den Jahren|zwischen|von \d{4}|im (?:Juni|Dezember)|\d{4})\b", desc)[0]
    return q.strip().rstrip(",")


def main() -> None:
    pdfs = {ed: entries(str(STORE / folder / PDF)) for ed, folder in EDITIONS.items()}
    out: dict[str, dict] = {}
    for code, (iid, label_en, unit, unit_en, weight, rng, role, pol, rule, def_en) in T.items():
        codes = [code] + [a for a, c in ALIASES.items() if c == code]
        found = {ed: (c, pdfs[ed][c]) for ed in pdfs for c in codes if c in pdfs[ed]}
        latest_ed = max(found)
        _, e = found[latest_ed]
        oldest = found[min(found)][1]
        title = oldest["title"] if min(found) != latest_ed else e["title"]
        hint = e["hinweis"]
        hint = " ".join(re.split(r"(?<=\.)\s", hint)[:3]) if hint else ""
        pages = ", ".join(f"Stand {ed[8:10]}.{ed[5:7]}.{ed[:4]} S. {p['page']}" for ed, (_, p) in sorted(found.items()))
        definition_de = f"{e['description']}. Datenbasis: {e['datenbasis']}." + (f" Methodischer Hinweis: {hint}" if hint else "")
        definition_de = definition_de.replace("..", ".") + f" (Deutschlandatlas, Datenangebot mit Indikatorenkürzeln, {pages}.)"
        title, definition_de = _fix(title), _fix(definition_de)
        spec = {
            "label_de": LABEL_DE.get(iid, title), "label_en": label_en, "unit": unit, "unit_en": unit_en, "kind": "rate",
        }
        if weight:
            spec["weight"] = weight
        spec.update({
            "concept": "childcare" if code.startswith("kbetr") else "deutschlandatlas_" + code.lower(), "range": rng, "role": role, "polarity": pol,
            "source_code": codes if len(codes) > 1 else code,
            "reference_date_rule": rule or "YYYY-12-31",
            "pdf_quote": _quote(e["description"]),
            "pdf_pages": {ed: p["page"] for ed, (_, p) in sorted(found.items())},
            "definition_de": definition_de,
            "definition_en": def_en,
        })
        if code in DIFFERS:
            other, de, en = DIFFERS[code]
            if other:
                spec["differs_from"] = other
            spec["differs_from_de"], spec["differs_from_en"] = de, en
        out[iid or "da_" + code.lower()] = spec
    header = Path(__file__).with_name("deutschlandatlas_indicators_header.txt").read_text(encoding="utf-8")
    sys.stdout.write(header + "\n" + yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=115))


if __name__ == "__main__":
    main()
