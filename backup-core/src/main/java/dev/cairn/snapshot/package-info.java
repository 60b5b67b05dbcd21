/** Snapshots, their summaries and entries, and retention. */
package dev.cairn.snapshot;
