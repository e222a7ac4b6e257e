#!/usr/bin/env node
// Placeholder: replaced by the setup step (build dist/, link the package for notebooks, Jupyter + tslab kernel).
