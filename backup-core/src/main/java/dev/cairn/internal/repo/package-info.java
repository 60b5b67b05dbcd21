/** Internal: repo. No compatibility guarantees. */
package dev.cairn.internal.repo;
