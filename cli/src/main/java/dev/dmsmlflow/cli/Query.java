package dev.dmsmlflow.cli;

/** A query string built from optional parameters ({@code null} ones are left out). */
final class Query {

    private final StringBuilder b = new StringBuilder();

    static Query of(String name, Object value) {
        return new Query().and(name, value);
    }

    Query and(String name, Object value) {
        if (value != null && !value.toString().isEmpty()) {
            b.append(b.isEmpty() ? '?' : '&').append(GatewayClient.enc(name)).append('=').append(GatewayClient.enc(value.toString()));
        }
        return this;
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
