package dev.dmsmlflow.network.provider.kubernetes;

import dev.dmsmlflow.network.domain.IpBlock;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The nginx configuration of one instance's load balancer: a port that forwards to the tracking server's Service, admitting
 * only the ACL's address blocks (none: everything is refused with 403), and a health path the kubelet probes, answered by
 * nginx itself and never forwarded. Written from data only: every value is checked before it reaches the text, so neither an
 * ACL entry nor a backend name can add a directive.
 */
public final class NginxConfig {

    /** The path of the probes: under {@code /.dms/}, which the load balancers keep for themselves. */
    public static final String HEALTH_PATH = "/.dms/healthz";

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");
    private static final Pattern SIZE = Pattern.compile("[0-9]{1,12}[kKmMgG]?");

    /**
     * @param listen          what nginx listens on: a port ({@code 8080}) or address and port ({@code 127.0.0.1:18080})
     * @param runDirectory    a writable directory for the pid file and the temporary bodies (an emptyDir in the pod)
     * @param workerProcesses nginx worker processes ({@code auto} or a number)
     * @param maxBodySize     the largest request body, nginx notation ({@code 1g})
     */
    public record Settings(String listen, String runDirectory, String workerProcesses, String maxBodySize,
                           Duration connectTimeout, Duration upstreamTimeout) {
    }

    private NginxConfig() {
    }

    /**
     * The configuration text.
     *
     * @param acl         the admitted address blocks (IPv4 addresses or CIDRs); empty admits nobody
     * @param backendHost the tracking server's Service (a DNS name or address), or null while none is registered (503)
     * @throws IllegalArgumentException for a value that is not what it claims to be
     */
    public static String render(Settings s, Collection<String> acl, String backendHost, Integer backendPort) {
        if (!s.listen().matches("([0-9.]{7,15}:)?[0-9]{1,5}")) {
            throw new IllegalArgumentException("listen must be a port or address:port, not " + s.listen());
        }
        if (!s.runDirectory().matches("/[A-Za-z0-9._/-]*")) {
            throw new IllegalArgumentException("run directory must be an absolute plain path, not " + s.runDirectory());
        }
        if (!s.workerProcesses().matches("auto|[1-9][0-9]{0,2}")) {
            throw new IllegalArgumentException("worker processes must be auto or a number, not " + s.workerProcesses());
        }
        if (!SIZE.matcher(s.maxBodySize()).matches()) {
            throw new IllegalArgumentException("max body size must be nginx's size notation (e.g. 1g), not " + s.maxBodySize());
        }
        if (backendHost != null && (!HOST.matcher(backendHost).matches() || backendPort == null || backendPort < 1 || backendPort > 65535)) {
            throw new IllegalArgumentException("the backend must be a host name or address and a port, not " + backendHost + ":" + backendPort);
        }
        TreeSet<String> blocks = new TreeSet<>();
        for (String cidr : acl) {
            blocks.add(IpBlock.parse(cidr).toString()); // normalized; anything else is refused by the parser
        }
        String run = s.runDirectory().endsWith("/") ? s.runDirectory().substring(0, s.runDirectory().length() - 1) : s.runDirectory();
        StringBuilder b = new StringBuilder();
        b.append("# written by network-service (kubernetes provider); changes are overwritten\n");
        b.append("worker_processes ").append(s.workerProcesses()).append(";\n");
        b.append("pid ").append(run).append("/nginx.pid;\n");
        b.append("error_log /dev/stderr warn;\n");
        b.append("events {\n    worker_connections 1024;\n}\n");
        b.append("http {\n");
        b.append("    server_tokens off;\n");
        b.append("    access_log /dev/stdout;\n");
        for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            b.append("    ").append(temp).append("_temp_path ").append(run).append('/').append(temp).append(";\n");
        }
        b.append("    client_max_body_size ").append(s.maxBodySize().toLowerCase(Locale.ROOT)).append(";\n");
        if (backendHost != null) {
            b.append("    upstream tracking_server {\n");
            b.append("        server ").append(backendHost).append(':').append(backendPort).append(";\n");
            b.append("        keepalive 16;\n");
            b.append("    }\n");
        }
        b.append("    server {\n");
        b.append("        listen ").append(s.listen()).append(";\n");
        b.append("        location = ").append(HEALTH_PATH).append(" {\n");
        b.append("            access_log off;\n");
        b.append("            default_type text/plain;\n");
        b.append("            return 200 \"ok\\n\";\n");
        b.append("        }\n");
        b.append("        location / {\n");
        b.append("            # the instance's ACL: a white list, empty = deny all\n");
        for (String block : blocks) {
            b.append("            allow ").append(block).append(";\n");
        }
        b.append("            deny all;\n");
        if (backendHost != null) {
            b.append("            proxy_pass http://tracking_server;\n");
            b.append("            proxy_http_version 1.1;\n");
            b.append("            proxy_set_header Connection \"\";\n");
            b.append("            proxy_set_header Host $http_host;\n");
            b.append("            proxy_set_header X-Forwarded-For $remote_addr;\n");
            b.append("            proxy_set_header X-Forwarded-Proto $scheme;\n");
            // Authorization is passed on as the client sent it: the tracking server checks MLflow tokens itself
            b.append("            proxy_request_buffering off;\n");
            b.append("            proxy_buffering off;\n");
            b.append("            proxy_connect_timeout ").append(seconds(s.connectTimeout())).append(";\n");
            b.append("            proxy_send_timeout ").append(seconds(s.upstreamTimeout())).append(";\n");
            b.append("            proxy_read_timeout ").append(seconds(s.upstreamTimeout())).append(";\n");
        } else {
            // after the ACL (access phase) and before any content: no tracking server yet
            b.append("            root ").append(run).append("/empty;\n");
            b.append("            try_files /.no-backend =503;\n");
        }
        b.append("        }\n");
        b.append("    }\n");
        b.append("}\n");
        return b.toString();
    }

    private static String seconds(Duration d) {
        return Math.max(1, d.toSeconds()) + "s";
    }
}
