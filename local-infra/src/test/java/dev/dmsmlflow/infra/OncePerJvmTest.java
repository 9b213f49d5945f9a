package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OncePerJvmTest {

    @Test
    void theFirstCallerStartsItAndEveryLaterOneGetsTheSame() {
        AtomicInteger starts = new AtomicInteger();
        OncePerJvm<Object> once = new OncePerJvm<>("server", () -> {
            starts.incrementAndGet();
            return new Object();
        });
        Object first = once.get();
        assertSame(first, once.get());
        assertEquals(1, starts.get());
    }

    @Test
    void aFailedStartIsRememberedAndNotTriedAgain() {
        AtomicInteger starts = new AtomicInteger();
        IllegalStateException cause = new IllegalStateException("port taken");
        OncePerJvm<Object> once = new OncePerJvm<>("Kafka broker", () -> {
            starts.incrementAndGet();
            throw cause;
        });
        assertSame(cause, assertThrows(IllegalStateException.class, once::get));
        IllegalStateException later = assertThrows(IllegalStateException.class, once::get);
        assertEquals("the JVM's Kafka broker failed to start before", later.getMessage());
        assertSame(cause, later.getCause());
        assertEquals(1, starts.get());
    }

    @Test
    void anIoFailureIsUncheckedAndRememberedToo() {
        OncePerJvm<Object> once = new OncePerJvm<>("Kafka cluster", () -> {
            throw new IOException("no temp dir");
        });
        UncheckedIOException first = assertThrows(UncheckedIOException.class, once::get);
        assertEquals("no temp dir", first.getCause().getMessage());
        assertSame(first, assertThrows(IllegalStateException.class, once::get).getCause());
    }
}
