/** Restore targets other than a directory: databases, buckets. */
package dev.cairn.restore;
