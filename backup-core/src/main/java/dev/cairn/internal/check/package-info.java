/** Internal: check and repair. No compatibility guarantees. */
package dev.cairn.internal.check;
