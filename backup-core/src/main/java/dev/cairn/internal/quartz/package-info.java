/** Quartz behind {@link dev.cairn.schedule.BackupScheduler}. No compatibility guarantees: not API. */
package dev.cairn.internal.quartz;
