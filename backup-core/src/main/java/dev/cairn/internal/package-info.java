/** Implementation. No compatibility guarantees: not API, not exported, may change in any release. */
package dev.cairn.internal;
