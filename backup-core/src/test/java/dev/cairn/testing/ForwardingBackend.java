package dev.cairn.testing;

import dev.cairn.backend.Backend;

/** A backend that passes every call to another: tests override the calls they watch or break. */
public class ForwardingBackend extends dev.cairn.internal.backend.ForwardingBackend {
    public ForwardingBackend(Backend inner) {
        super(inner);
    }
}
