package dev.dmsmlflow.network.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A raw HTTP/1.1 backend whose behaviour a test switches while it runs: answer every request with a status, or hang like
 * a stopped process (accept the connection, read the request, never answer). {@code GET /trickle?chunks=N&gapMs=M}
 * answers N chunks M ms apart, a download that keeps moving. Remembers the backend secret of each {@code /health} call.
 */
public final class ScriptedBackend implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-backend");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** The status every request gets; 0: none (hang). */
    private volatile int status = 200;
    private final List<String> healthSecrets = new CopyOnWriteArrayList<>();
    private final List<String> requestSecrets = new CopyOnWriteArrayList<>();

    public ScriptedBackend() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        threads.submit(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** From now on every request is read and never answered. */
    public void hang() {
        status = 0;
    }

    /** From now on every request is answered with {@code status}. */
    public void answer(int status) {
        this.status = status;
    }

    /** The {@code X-Dms-Backend-Auth} values of the {@code /health} calls so far ("" for none). */
    public List<String> healthSecrets() {
        return List.copyOf(healthSecrets);
    }

    /** The {@code X-Dms-Backend-Auth} values of the other calls so far ("" for none). */
    public List<String> requestSecrets() {
        return List.copyOf(requestSecrets);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                threads.submit(() -> serve(s));
            } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String[] lines = head.split("\r\n");
                URI target = URI.create(lines[0].split(" ")[1]);
                String secret = "";
                long length = 0;
                for (int i = 1; i < lines.length; i++) {
                    int c = lines[i].indexOf(':');
                    String name = lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT);
                    String value = lines[i].substring(c + 1).trim();
                    if (name.equals("x-dms-backend-auth")) {
                        secret = value;
                    } else if (name.equals("content-length")) {
                        length = Long.parseLong(value);
                    }
                }
                in.skipNBytes(length);
                (target.getPath().equals("/health") ? healthSecrets : requestSecrets).add(secret);
                int now = status;
                if (now == 0) {
                    while (in.read() >= 0) {
                        // hung: hold the connection, say nothing, until the other side gives up
                    }
                    return;
                }
                if (target.getPath().equals("/trickle")) {
                    trickle(out, target.getQuery());
                } else {
                    byte[] body = ("status " + now).getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 " + now + " Scripted\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the other side went away, or the backend was closed
        } finally {
            open.remove(s);
        }
    }

    private static void trickle(OutputStream out, String query) throws IOException, InterruptedException {
        int chunks = 1;
        long gapMs = 0;
        for (String p : query == null ? new String[0] : query.split("&")) {
            String[] kv = p.split("=", 2);
            if (kv[0].equals("chunks")) {
                chunks = Integer.parseInt(kv[1]);
            } else if (kv[0].equals("gapMs")) {
                gapMs = Long.parseLong(kv[1]);
            }
        }
        out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        for (int i = 0; i < chunks; i++) {
            if (i > 0) {
                Thread.sleep(gapMs); // the pace of a slow download, which is what is under test
            }
            byte[] piece = ("piece " + i + "\n").getBytes(StandardCharsets.UTF_8);
            out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(piece);
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** The request line and headers, without the blank line; null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                String text = head.toString(StandardCharsets.ISO_8859_1);
                return text.substring(0, text.length() - 4);
            }
        }
        return null;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        open.forEach(s -> {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        });
        threads.shutdownNow();
    }
}
