/** MySQL and MariaDB: backups through the dump tool, restores through the client, verified drills. */
package dev.cairn.mysql;
