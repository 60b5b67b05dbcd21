/** A backend on a local (or mounted) file system. */
package dev.cairn.backend.local;
