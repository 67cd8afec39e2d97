# The commands a newcomer and CI run. Each target installs what it needs first, once:
# a stamp file per virtualenv is rebuilt only when one of its requirements files changes.

PYTHON ?= python3
VENV := .venv
PACK_VENV := policies/.venv
VENV_STAMP := $(VENV)/.berth-requirements.stamp
PACK_STAMP := $(PACK_VENV)/.berth-requirements.stamp
PROJECT_SCHEMA := ../shared/schemas/pulumi-project.schema.json
STACK ?= dev
# preview and bench are credential-free checks: resolving AWS credentials for the pack's
# live look-ups must not wait on an instance metadata endpoint. On a cloud instance whose
# role should be used: make preview AWS_EC2_METADATA_DISABLED=false
AWS_EC2_METADATA_DISABLED ?= true
export AWS_EC2_METADATA_DISABLED

.PHONY: preview test lint bench docs venv clean-venv

preview: venv
	$(VENV)/bin/python -m preflight . --stack $(STACK) --format text

# On every core; the tests that share the Docker daemon and its registry run in one worker.
test: venv
	$(VENV)/bin/pytest -n auto --dist loadgroup

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/check-jsonschema --schemafile $(PROJECT_SCHEMA) Pulumi.yaml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --min-severity=low .github/workflows/
	# The pack's layers and no import cycles (contracts in pyproject.toml); the pack's
	# packages are top-level names on its own path.
	PYTHONPATH=policies $(VENV)/bin/lint-imports
	# No module over 500 lines in the pack or preflight.
	$(VENV)/bin/pylint --disable=all --enable=too-many-lines --max-module-lines=500 --recursive=y \
		--ignore=.venv --score=n policies preflight

bench: venv
	@set -e; scripts=$$(find bench -maxdepth 1 -type f -name '*.py' | sort); \
	if [ -z "$$scripts" ]; then echo "bench/ has no scripts yet"; fi; \
	for script in $$scripts; do echo "== $$script"; $(VENV)/bin/python $$script; done

docs: venv
	$(VENV)/bin/python scripts/policy_table.py --write
	$(VENV)/bin/python scripts/policy_mechanisms.py --write

# The program's and test tools' environment, and the pack's own one (the Pulumi engine
# runs the pack from policies/.venv, as policies/PulumiPolicy.yaml declares).
venv: $(VENV_STAMP) $(PACK_STAMP)

$(VENV_STAMP): requirements.txt requirements-dev.txt policies/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(PACK_STAMP): policies/requirements.txt
	test -x $(PACK_VENV)/bin/python || $(PYTHON) -m venv $(PACK_VENV)
	$(PACK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r policies/requirements.txt
	touch $@

clean-venv:
	rm -rf $(VENV) $(PACK_VENV)
