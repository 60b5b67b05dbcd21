/** S3 and S3-compatible storage: a repository backend, a bucket as a backup source, and a bucket restore target. */
package dev.cairn.s3;
