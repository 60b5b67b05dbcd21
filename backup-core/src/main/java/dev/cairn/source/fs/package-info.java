/** The file-system source. */
package dev.cairn.source.fs;
