package dev.dmsmlflow.billing.application.export;

import dev.dmsmlflow.billing.domain.LineItem;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.xerial.snappy.Snappy;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Parquet file of an export, written with Apache Parquet's own writer (parquet-hadoop, without Hadoop: a local
 * output file, the plain configuration and a Snappy codec of our own on snappy-java). Types: strings as UTF-8
 * {@code BINARY (STRING)}, amounts and quantities as {@code DECIMAL(38, scale)} on 16-byte fixed arrays (exact, as in
 * the database), timestamps as {@code INT64 TIMESTAMP(MILLIS, UTC)}; nullable columns optional, the others required.
 */
final class ParquetPartWriter implements PartWriter {

    static final int DECIMAL_PRECISION = 38;
    private static final int DECIMAL_BYTES = 16;
    static final MessageType SCHEMA = schema();

    private final ParquetWriter<LineItem> writer;
    private long rows;

    ParquetPartWriter(Path file, FocusColumns.Context context) throws IOException {
        this.writer = new Builder(new LocalOutputFile(file), context)
                .withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withCodecFactory(new SnappyOnly())
                .withDictionaryEncoding(true)
                .build();
    }

    @Override
    public void write(LineItem line) throws IOException {
        writer.write(line);
        rows++;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    private static MessageType schema() {
        List<Type> fields = new ArrayList<>();
        for (FocusColumns.Column c : FocusColumns.ALL) {
            Types.PrimitiveBuilder<org.apache.parquet.schema.PrimitiveType> b = switch (c.kind()) {
                case STRING -> (c.nullable() ? Types.optional(PrimitiveTypeName.BINARY) : Types.required(PrimitiveTypeName.BINARY))
                        .as(LogicalTypeAnnotation.stringType());
                case DECIMAL -> (c.nullable() ? Types.optional(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY)
                        : Types.required(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY)).length(DECIMAL_BYTES)
                        .as(LogicalTypeAnnotation.decimalType(c.scale(), DECIMAL_PRECISION));
                case TIMESTAMP -> (c.nullable() ? Types.optional(PrimitiveTypeName.INT64) : Types.required(PrimitiveTypeName.INT64))
                        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS));
            };
            fields.add(b.named(c.name()));
        }
        return new MessageType("focus", fields);
    }

    /** A decimal as its unscaled value in 16 bytes, two's complement, big-endian. */
    static Binary decimal(BigDecimal v) {
        byte[] raw = v.unscaledValue().toByteArray();
        byte[] out = new byte[DECIMAL_BYTES];
        byte pad = (byte) (v.signum() < 0 ? 0xFF : 0x00);
        int offset = DECIMAL_BYTES - raw.length;
        if (offset < 0) {
            throw new IllegalArgumentException("decimal out of range: " + v);
        }
        for (int i = 0; i < offset; i++) {
            out[i] = pad;
        }
        System.arraycopy(raw, 0, out, offset, raw.length);
        return Binary.fromConstantByteArray(out);
    }

    static BigDecimal decimal(Binary b, int scale) {
        return new BigDecimal(new BigInteger(b.getBytes()), scale);
    }

    private static final class Builder extends ParquetWriter.Builder<LineItem, Builder> {
        private final FocusColumns.Context context;

        Builder(OutputFile file, FocusColumns.Context context) {
            super(file);
            this.context = context;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<LineItem> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
            throw new UnsupportedOperationException("written without Hadoop");
        }

        @Override
        protected WriteSupport<LineItem> getWriteSupport(ParquetConfiguration conf) {
            return new Support(context);
        }
    }

    /** Turns a line item into a row of {@link #SCHEMA}. */
    private static final class Support extends WriteSupport<LineItem> {
        private final FocusColumns.Context context;
        private RecordConsumer out;

        Support(FocusColumns.Context context) {
            this.context = context;
        }

        @Override
        public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
            throw new UnsupportedOperationException("written without Hadoop");
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(SCHEMA, Map.of("focus.version", FocusColumns.VERSION));
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(LineItem line) {
            out.startMessage();
            int i = 0;
            for (FocusColumns.Column c : FocusColumns.ALL) {
                Object v = c.value().apply(line, context);
                if (v != null) {
                    out.startField(c.name(), i);
                    switch (c.kind()) {
                        case STRING -> out.addBinary(Binary.fromString((String) v));
                        case DECIMAL -> out.addBinary(decimal((BigDecimal) v));
                        case TIMESTAMP -> out.addLong(((Instant) v).toEpochMilli());
                    }
                    out.endField(c.name(), i);
                }
                i++;
            }
            out.endMessage();
        }
    }

    /** Snappy through snappy-java (Parquet's own codec factory would need Hadoop's codec classes). */
    private static final class SnappyOnly implements CompressionCodecFactory {
        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            if (codec != CompressionCodecName.SNAPPY) {
                throw new IllegalArgumentException("only Snappy is configured, not " + codec);
            }
            return new BytesInputCompressor() {
                @Override
                public BytesInput compress(BytesInput bytes) throws IOException {
                    return BytesInput.from(Snappy.compress(bytes.toByteArray()));
                }

                @Override
                public CompressionCodecName getCodecName() {
                    return CompressionCodecName.SNAPPY;
                }

                @Override
                public void release() {
                }
            };
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            throw new UnsupportedOperationException("exports are only written here");
        }

        @Override
        public void release() {
        }
    }
}
