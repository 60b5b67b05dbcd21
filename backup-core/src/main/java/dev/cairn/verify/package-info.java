/** Verification: restore drills and their reports. */
package dev.cairn.verify;
