/** Internal: backend decorators (retries). No compatibility guarantees. */
package dev.cairn.internal.backend;
