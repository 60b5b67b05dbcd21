/** Internal: crypto. No compatibility guarantees. */
package dev.cairn.internal.crypto;
