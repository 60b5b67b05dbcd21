/**
 * Health grades of jobs, sources and repositories against recovery objectives ({@link dev.cairn.health.Health},
 * a pure function), their changes ({@link dev.cairn.health.HealthMonitor}) sent to notifiers (a webhook, the
 * log), and Micrometer metrics ({@link dev.cairn.health.HealthMetrics}, loaded only when used).
 */
package dev.cairn.health;
