/** Internal: pipeline. No compatibility guarantees. */
package dev.cairn.internal.pipeline;
