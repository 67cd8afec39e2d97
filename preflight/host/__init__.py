"""The program side of preflight: runs inside the subprocess that executes the user's program.

Loaded by file path (see `preflight.program.BOOTSTRAP`) rather than imported from a
`sys.path` entry, so that nothing of preflight shadows the program's own modules.
Only the Pulumi SDK is required in the interpreter that runs it.
"""
