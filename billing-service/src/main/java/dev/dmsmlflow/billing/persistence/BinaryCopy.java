package dev.dmsmlflow.billing.persistence;

import org.postgresql.copy.CopyIn;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/**
 * Rows for PostgreSQL's {@code COPY … FROM STDIN (FORMAT binary)}, written straight into pgjdbc's copy stream: each
 * value in the column type's own binary form, so neither side turns timestamps and numbers into text and back (the
 * cost the {@code unnest} of text arrays had). Values pass through the columns' receive functions, which apply the
 * same type modifiers (numeric scale, varchar length) as text input. Not thread-safe; one per COPY.
 */
final class BinaryCopy {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    /** PostgreSQL's epoch for timestamps and dates: 2000-01-01T00:00:00Z. */
    private static final long PG_EPOCH_SECOND = 946_684_800L;
    private static final long PG_EPOCH_DAY = 10_957L;
    private static final short NUMERIC_POS = 0x0000;
    private static final short NUMERIC_NEG = 0x4000;
    private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);

    private final CopyIn copy;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;

    private BinaryCopy(CopyIn copy) {
        this.copy = copy;
    }

    /** Starts the copy's stream (its header). */
    static BinaryCopy start(CopyIn copy) throws SQLException {
        BinaryCopy b = new BinaryCopy(copy);
        b.bytes(SIGNATURE);
        b.int32(0); // flags: no OIDs
        b.int32(0); // no header extension
        return b;
    }

    /** Starts a row of {@code fields} values. */
    BinaryCopy row(int fields) throws SQLException {
        int16(fields);
        return this;
    }

    BinaryCopy text(String s) throws SQLException {
        if (s == null) {
            return nul();
        }
        // ASCII, the usual case, without an encoder; anything else through UTF-8 (the connection's client encoding)
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (!ascii) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            int32(b.length);
            return bytes(b);
        }
        int32(n);
        for (int i = 0; i < n; ) {
            room(1);
            int chunk = Math.min(n - i, buf.length - pos);
            for (int j = 0; j < chunk; j++) {
                buf[pos++] = (byte) s.charAt(i++);
            }
        }
        return this;
    }

    /** {@code timestamptz}: microseconds since PostgreSQL's epoch, nanoseconds rounded half to even as its text input does. */
    BinaryCopy timestamp(Instant t) throws SQLException {
        if (t == null) {
            return nul();
        }
        long micros = Math.addExact(Math.multiplyExact(t.getEpochSecond() - PG_EPOCH_SECOND, 1_000_000L), t.getNano() / 1_000);
        int rest = t.getNano() % 1_000;
        if (rest > 500 || (rest == 500 && (micros & 1) == 1)) {
            micros++;
        }
        int32(8);
        return int64(micros);
    }

    /** {@code date}: days since PostgreSQL's epoch. */
    BinaryCopy date(LocalDate d) throws SQLException {
        if (d == null) {
            return nul();
        }
        int32(4);
        return int32(Math.toIntExact(d.toEpochDay() - PG_EPOCH_DAY));
    }

    BinaryCopy bool(boolean v) throws SQLException {
        int32(1);
        room(1);
        buf[pos++] = (byte) (v ? 1 : 0);
        return this;
    }

    BinaryCopy uuid(UUID u) throws SQLException {
        if (u == null) {
            return nul();
        }
        int32(16);
        int64(u.getMostSignificantBits());
        return int64(u.getLeastSignificantBits());
    }

    /**
     * {@code numeric}: base-10,000 digits with the decimal point between digit groups ({@code weight} = the index of the
     * group holding the units, counted from the first group), the display scale = the value's scale.
     */
    BinaryCopy numeric(BigDecimal v) throws SQLException {
        if (v == null) {
            return nul();
        }
        if (v.scale() < 0) {
            v = v.setScale(0);
        }
        int scale = v.scale();
        BigInteger unscaled = v.unscaledValue().abs();
        // align the fraction to whole groups: scale rounded up to a multiple of 4 decimal digits
        int fractionGroups = (scale + 3) / 4;
        int pad = fractionGroups * 4 - scale;
        if (pad > 0) {
            unscaled = unscaled.multiply(BigInteger.TEN.pow(pad));
        }
        short[] groups;
        int count;
        if (unscaled.bitLength() < 63) {
            long x = unscaled.longValue();
            groups = new short[5];
            count = 0;
            while (x != 0) {
                groups[count++] = (short) (x % 10_000);
                x /= 10_000;
            }
        } else {
            groups = new short[unscaled.toString().length() / 4 + 2];
            count = 0;
            while (unscaled.signum() != 0) {
                BigInteger[] qr = unscaled.divideAndRemainder(TEN_THOUSAND);
                groups[count++] = qr[1].shortValue();
                unscaled = qr[0];
            }
        }
        // groups[0] is the last (least significant) group; the value is sum(groups[i] * 10000^(i - fractionGroups))
        int low = 0;
        while (low < count && groups[low] == 0) {
            low++; // trailing zero groups are not sent
        }
        int ndigits = count - low;
        int weight = ndigits == 0 ? 0 : count - 1 - fractionGroups;
        int32(8 + 2 * ndigits);
        int16(ndigits);
        int16(weight);
        int16(ndigits == 0 || v.signum() >= 0 ? NUMERIC_POS : NUMERIC_NEG);
        int16(scale);
        for (int i = count - 1; i >= low; i--) {
            int16(groups[i]);
        }
        return this;
    }

    /** Ends the stream and the COPY; returns the rows copied. */
    long finish() throws SQLException {
        int16(-1);
        flush();
        return copy.endCopy();
    }

    private BinaryCopy nul() throws SQLException {
        return int32(-1);
    }

    private BinaryCopy int16(int v) throws SQLException {
        room(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    private BinaryCopy int32(int v) throws SQLException {
        room(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    private BinaryCopy int64(long v) throws SQLException {
        int32((int) (v >>> 32));
        return int32((int) v);
    }

    private BinaryCopy bytes(byte[] b) throws SQLException {
        int off = 0;
        while (off < b.length) {
            room(1);
            int chunk = Math.min(b.length - off, buf.length - pos);
            System.arraycopy(b, off, buf, pos, chunk);
            pos += chunk;
            off += chunk;
        }
        return this;
    }

    private void room(int n) throws SQLException {
        if (buf.length - pos < n) {
            flush();
        }
    }

    private void flush() throws SQLException {
        if (pos > 0) {
            copy.writeToCopy(buf, 0, pos);
            pos = 0;
        }
    }
}
