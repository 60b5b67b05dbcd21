/** The source SPI: what a backup reads, and the stream and command sources. */
package dev.cairn.source;
