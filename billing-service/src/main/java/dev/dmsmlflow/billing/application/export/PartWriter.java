package dev.dmsmlflow.billing.application.export;

import dev.dmsmlflow.billing.domain.LineItem;

import java.io.Closeable;
import java.io.IOException;

/** Writes the rows of one file of an export. */
interface PartWriter extends Closeable {
    void write(LineItem line) throws IOException;

    long rows();
}
