"""preflight: run a Pulumi Python project and a policy pack without the Pulumi engine or credentials.

The program runs under Pulumi's mock runtime in a subprocess (`program`, `host/`); the pack
runs as the engine runs it and is driven over the Analyzer gRPC protocol (`pack_process`,
`analyzer`); `report` and `formats/` present the verdict. `api.run_preflight` is the
entry point for code, `python -m preflight` for people and CI.
"""
