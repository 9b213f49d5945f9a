package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes JSON text the way Python's {@code json.dumps(value, ensure_ascii=False)} does (", " and ": "
 * separators, Python float spelling). Span attributes are stored as such text, so values we write
 * read back byte-identical to those the Python client wrote itself.
 */
public final class PyJson {
    private PyJson() {
    }

    public static String dump(JsonNode node) {
        StringBuilder sb = new StringBuilder(32);
        write(sb, node);
        return sb.toString();
    }

    public static void write(StringBuilder sb, JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            sb.append("null");
        } else if (n.isTextual()) {
            string(sb, n.textValue());
        } else if (n.isBoolean()) {
            sb.append(n.booleanValue() ? "true" : "false");
        } else if (n.isIntegralNumber()) {
            sb.append(n.bigIntegerValue().toString());
        } else if (n.isNumber()) {
            sb.append(dbl(n.doubleValue()));
        } else if (n.isArray()) {
            sb.append('[');
            boolean first = true;
            for (JsonNode e : n) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                write(sb, e);
            }
            sb.append(']');
        } else if (n.isObject()) {
            sb.append('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                string(sb, e.getKey());
                sb.append(": ");
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (n.isBinary()) {
            try {
                string(sb, java.util.Base64.getEncoder().encodeToString(n.binaryValue()));
            } catch (java.io.IOException e) {
                sb.append("null");
            }
        } else {
            string(sb, n.asText());
        }
    }

    /** Python's float repr: shortest digits, exponent form below 1e-4 and from 1e16. */
    static String dbl(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String s = bd.toPlainString();
            return s.indexOf('.') < 0 ? s + ".0" : s;
        }
        String digits = bd.unscaledValue().abs().toString();
        StringBuilder m = new StringBuilder();
        if (bd.signum() < 0) {
            m.append('-');
        }
        m.append(digits.charAt(0));
        if (digits.length() > 1) {
            m.append('.').append(digits, 1, digits.length());
        }
        m.append('e').append(exp < 0 ? '-' : '+');
        int a = Math.abs(exp);
        if (a < 10) {
            m.append('0');
        }
        m.append(a);
        return m.toString();
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
