package io.oddsupdate.connect.testkit.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.oddsupdate.connect.testkit.PluginPath;
import io.oddsupdate.connect.testkit.TempDirs;

/**
 * A real S3-compatible server for tests: S3Proxy over jclouds' in-memory blob store, in-process on a free loopback port,
 * with SigV4 authentication (static test keys, never real credentials).
 *
 * <p>S3Proxy runs from its self-contained jar ({@code testkit/target/s3proxy/}, copied by the testkit build) in its own
 * class loader: its Jetty 11 and jakarta.* APIs would clash with the Connect runtime on a shared class path. So this class
 * talks to it by reflection, and nothing of it leaks into a test's class path.
 *
 * <p>{@link #pause()} and {@link #resume()} take the HTTP endpoint down (connections refused) and bring it back on the
 * same port with the same objects, so a test can make S3 unavailable for a while.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";
    public static final String REGION = "us-east-1";

    private final URLClassLoader loader;
    private final Object context;
    private final Object blobStore;
    private final int port;
    private Object proxy;

    private S3Server(int port) {
        this.port = port;
        this.loader = isolatedLoader();
        try {
            this.context = inLoader(() -> {
                Object builder = cls("org.jclouds.ContextBuilder").getMethod("newBuilder", String.class).invoke(null, "transient");
                builder = cls("org.jclouds.ContextBuilder").getMethod("credentials", String.class, String.class).invoke(builder, "identity", "credential");
                return cls("org.jclouds.ContextBuilder").getMethod("build", Class.class).invoke(builder, cls("org.jclouds.blobstore.BlobStoreContext"));
            });
            this.blobStore = call("org.jclouds.blobstore.BlobStoreContext", context, "getBlobStore", new Class<?>[0]);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create S3Proxy's in-memory blob store", e);
        }
    }

    /** Starts a server on a free loopback port. */
    public static S3Server start() {
        S3Server server = new S3Server(freePort());
        server.resume();
        return server;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public void createBucket(String bucket) {
        call("org.jclouds.blobstore.BlobStore", blobStore, "createContainerInLocation",
                new Class<?>[] {cls("org.jclouds.domain.Location"), String.class}, null, bucket);
    }

    /** Every object key in the bucket, sorted. */
    public List<String> keys(String bucket) {
        List<String> keys = new ArrayList<>();
        Class<?> options = cls("org.jclouds.blobstore.options.ListContainerOptions");
        Object recursive = invoke(() -> cls("org.jclouds.blobstore.options.ListContainerOptions$Builder").getMethod("recursive").invoke(null));
        String marker = null;
        do {
            Object opts = marker == null ? recursive : call(options.getName(), recursive, "afterMarker", new Class<?>[] {String.class}, marker);
            Object page = call("org.jclouds.blobstore.BlobStore", blobStore, "list", new Class<?>[] {String.class, options}, bucket, opts);
            for (Object m : (Iterable<?>) page) {
                Object type = call("org.jclouds.blobstore.domain.StorageMetadata", m, "getType", new Class<?>[0]);
                if ("BLOB".equals(String.valueOf(type))) {
                    keys.add((String) call("org.jclouds.blobstore.domain.StorageMetadata", m, "getName", new Class<?>[0]));
                }
            }
            marker = (String) call("org.jclouds.blobstore.domain.PageSet", page, "getNextMarker", new Class<?>[0]);
        } while (marker != null);
        keys.sort(null);
        return keys;
    }

    public byte[] get(String bucket, String key) {
        Object blob = call("org.jclouds.blobstore.BlobStore", blobStore, "getBlob", new Class<?>[] {String.class, String.class}, bucket, key);
        if (blob == null) {
            throw new IllegalArgumentException("no object s3://" + bucket + "/" + key);
        }
        Object payload = call("org.jclouds.io.PayloadEnclosing", blob, "getPayload", new Class<?>[0]);
        try (InputStream in = (InputStream) call("org.jclouds.io.Payload", payload, "openStream", new Class<?>[0])) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Takes the endpoint down (connections refused); objects are kept. */
    public synchronized void pause() {
        if (proxy != null) {
            Object p = proxy;
            proxy = null;
            call("org.gaul.s3proxy.S3Proxy", p, "stop", new Class<?>[0]);
        }
    }

    /** Brings the endpoint back on the same port. */
    public synchronized void resume() {
        if (proxy != null) {
            return;
        }
        Object p = inLoader(() -> {
            Class<?> builderClass = cls("org.gaul.s3proxy.S3Proxy$Builder");
            Object b = cls("org.gaul.s3proxy.S3Proxy").getMethod("builder").invoke(null);
            b = builderClass.getMethod("blobStore", cls("org.jclouds.blobstore.BlobStore")).invoke(b, blobStore);
            b = builderClass.getMethod("endpoint", URI.class).invoke(b, endpoint());
            Class<?> auth = cls("org.gaul.s3proxy.AuthenticationType");
            b = builderClass.getMethod("awsAuthentication", auth, String.class, String.class)
                    .invoke(b, auth.getMethod("valueOf", String.class).invoke(null, "AWS_V2_OR_V4"), ACCESS_KEY, SECRET_KEY);
            Object built = builderClass.getMethod("build").invoke(b);
            built.getClass().getMethod("start").invoke(built);
            long deadline = System.currentTimeMillis() + 30_000;
            while (!"STARTED".equals(built.getClass().getMethod("getState").invoke(built))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start on " + endpoint());
                }
                Thread.sleep(20);
            }
            return built;
        });
        proxy = p;
    }

    @Override
    public void close() {
        pause();
        call("java.io.Closeable", context, "close", new Class<?>[0]);
        try {
            loader.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static URLClassLoader isolatedLoader() {
        Path dir = PluginPath.projectRoot().resolve("testkit/target/s3proxy");
        List<URL> urls = new ArrayList<>();
        try {
            // Quiet logging: logback reads logback-test.xml before the jar's own logback.xml, which logs every request.
            Path conf = Files.createTempDirectory("s3proxy-conf-");
            TempDirs.deleteOnExit(conf);
            Files.writeString(conf.resolve("logback-test.xml"), "<configuration><root level=\"WARN\"/></configuration>", StandardCharsets.UTF_8);
            urls.add(conf.toUri().toURL());
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "s3proxy-*.jar")) {
                    for (Path jar : jars) {
                        urls.add(jar.toUri().toURL());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (urls.size() != 2) {
            throw new IllegalStateException("expected one s3proxy jar in " + dir + "; build the testkit module first (mvn -pl testkit -am process-resources)");
        }
        return new URLClassLoader("s3proxy", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    private Class<?> cls(String name) {
        try {
            return Class.forName(name, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private Object call(String type, Object target, String method, Class<?>[] params, Object... args) {
        return inLoader(() -> {
            Method m = (type.startsWith("java.") ? Class.forName(type) : cls(type)).getMethod(method, params);
            return m.invoke(target, args);
        });
    }

    private <T> T invoke(Callable<T> action) {
        return inLoader(action);
    }

    /** Runs with S3Proxy's class loader as the context loader (jclouds finds its providers through it). */
    private <T> T inLoader(Callable<T> action) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            return action.call();
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("S3Proxy: " + e.getCause(), e.getCause());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy: " + e, e);
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
