/**
 * Jobs and their runner: {@link dev.cairn.schedule.JobSpec} (backup, forget + prune, check, drill, each with
 * a {@link dev.cairn.schedule.Schedule}), {@link dev.cairn.schedule.JobRunner} (runs one job and records the
 * run in the repository) and {@link dev.cairn.schedule.BackupScheduler} (fires jobs on their schedules, alone
 * or as one of several runners sharing a JDBC job store). No Quartz type appears in this package's API.
 */
package dev.cairn.schedule;
