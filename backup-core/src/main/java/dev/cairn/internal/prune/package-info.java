/** Prune: mark live blobs, plan per pack, repack, rewrite the index, retire packs in two phases. No compatibility guarantees. */
package dev.cairn.internal.prune;
