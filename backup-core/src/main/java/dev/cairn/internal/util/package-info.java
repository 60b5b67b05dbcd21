/** Internal: util. No compatibility guarantees. */
package dev.cairn.internal.util;
