/** Internal: chunker. No compatibility guarantees. */
package dev.cairn.internal.chunker;
