/** The storage SPI: {@link dev.cairn.backend.Backend} and its contract. */
package dev.cairn.backend;
