"""What rules read, never what they decide: resources, values, and the AWS behaviour they stand for.

Nothing here imports the rules or the kit; a rule reads these facts and judges them.
"""
