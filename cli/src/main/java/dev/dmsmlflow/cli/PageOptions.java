package dev.dmsmlflow.cli;

import picocli.CommandLine.Option;

/** The paging options of every list command; the API answers {@code items} and a {@code nextPageToken}. */
final class PageOptions {
    @Option(names = "--page-size", description = "items per page (the API's default when omitted)")
    Integer pageSize;

    @Option(names = "--page-token", description = "the token a previous page printed")
    String pageToken;

    /** {@code q} with this page's parameters added. */
    Query into(Query q) {
        return q.and("pageSize", pageSize).and("pageToken", pageToken);
    }

    Query query() {
        return into(new Query());
    }
}
