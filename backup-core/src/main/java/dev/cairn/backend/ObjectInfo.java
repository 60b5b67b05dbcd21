package dev.cairn.backend;

/** A stored object's name and size. */
public record ObjectInfo(String name, long size) {
}
