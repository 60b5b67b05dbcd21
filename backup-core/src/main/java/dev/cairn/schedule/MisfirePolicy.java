package dev.cairn.schedule;

/**
 * What a runner does with a firing it missed (all runners were down, or every worker was busy for
 * longer than the misfire threshold).
 */
public enum MisfirePolicy {
    /** Run once as soon as possible, then continue on the schedule (missed firings collapse into one). */
    FIRE_NOW,
    /** Skip the missed firings; the next run is the next scheduled one. */
    SKIP
}
