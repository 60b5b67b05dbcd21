/** MongoDB backups (raw BSON in mongodump's layout), restores and restore drills on the official sync driver. */
package dev.cairn.mongo;
