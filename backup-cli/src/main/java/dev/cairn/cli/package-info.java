/** The {@code cairn} command line: parses, configures, calls the core API, maps errors to exit codes. */
package dev.cairn.cli;
