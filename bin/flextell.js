#!/usr/bin/env node
// Runs the built CLI; `npm install` builds dist/ through the `prepare` script.
import '../dist/cli.js';
