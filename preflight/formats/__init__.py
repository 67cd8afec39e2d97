"""One module per human- or tool-facing report format; the json format is `Report.to_json`."""
