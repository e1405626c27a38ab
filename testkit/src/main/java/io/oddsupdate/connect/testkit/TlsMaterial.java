package io.oddsupdate.connect.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;

/**
 * A throwaway certificate authority and certificates it signs, made at test time with the JDK's {@code keytool}, so no
 * key material ever lives in the repository. Passwords are random per instance; files go to a temporary directory that
 * {@link #close()} deletes.
 *
 * <p>Each {@link Identity} comes both as a PKCS12 key store (for brokers) and as PEM strings, the private key encrypted
 * PKCS#8 (for clients: {@code ssl.keystore.type=PEM}, {@code ssl.keystore.certificate.chain}, {@code ssl.keystore.key},
 * {@code ssl.key.password}, the shape a config provider hands MSK Connect). Server certificates name 127.0.0.1 and
 * localhost, so clients keep hostname verification ({@code ssl.endpoint.identification.algorithm=https}).
 */
public final class TlsMaterial implements AutoCloseable {

    /** A key and its certificate chain (leaf first). */
    public record Identity(String commonName, Path keyStore, String password, String certificateChainPem, String encryptedKeyPem) {
    }

    // what Kafka's PEM key parser decrypts with the JDK alone (EncryptedPrivateKeyInfo + a PBE cipher of that name)
    private static final String KEY_ENCRYPTION = "PBEWithSHA1AndDESede";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final String password;
    private final Path caStore;
    private final X509Certificate ca;
    private final Path trustStore;

    private TlsMaterial(Path dir) throws IOException, GeneralSecurityException {
        this.dir = dir;
        this.password = randomSecret();
        this.caStore = dir.resolve("ca.p12");
        keytool("-genkeypair", "-keystore", caStore.toString(), "-alias", "ca", "-dname", "CN=odds-update test CA",
                "-ext", "bc:c", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2");
        KeyStore cas = load(caStore);
        this.ca = (X509Certificate) cas.getCertificate("ca");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        this.trustStore = store(trust, dir.resolve("truststore.p12"));
    }

    /** A new certificate authority in a new temporary directory. */
    public static TlsMaterial create() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tls-material-");
            TempDirs.deleteOnExit(dir);
            return new TlsMaterial(dir);
        } catch (IOException e) {
            TempDirs.deleteRecursively(dir);
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            TempDirs.deleteRecursively(dir);
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate as PEM: a client's {@code ssl.truststore.certificates} (with {@code ssl.truststore.type=PEM}). */
    public String caPem() {
        return pem(ca);
    }

    /** A PKCS12 trust store holding the CA certificate (a broker's {@code ssl.truststore.location}). */
    public Path trustStore() {
        return trustStore;
    }

    /** The password of every store and key this instance wrote. */
    public String password() {
        return password;
    }

    /** A key whose certificate the CA signed for {@code CN=<commonName>}, valid for TLS servers and clients on loopback. */
    public Identity issue(String commonName) {
        try {
            String file = unique(commonName);
            Path own = dir.resolve(file + ".own.p12");
            Path csr = dir.resolve(file + ".csr");
            Path crt = dir.resolve(file + ".crt");
            genkey(own, commonName);
            keytool("-certreq", "-keystore", own.toString(), "-alias", "key", "-file", csr.toString());
            keytool("-gencert", "-keystore", caStore.toString(), "-alias", "ca", "-infile", csr.toString(),
                    "-outfile", crt.toString(), "-rfc", "-validity", "2",
                    "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth,clientAuth");
            X509Certificate signed;
            try (InputStream in = Files.newInputStream(crt)) {
                signed = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            return identity(commonName, (PrivateKey) load(own).getKey("key", password.toCharArray()), List.of(signed, ca));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed key for {@code CN=<commonName>} that this CA never signed: what an impostor would present. */
    public Identity selfSigned(String commonName) {
        try {
            Path own = dir.resolve(unique(commonName) + ".self.p12");
            genkey(own, commonName);
            KeyStore ks = load(own);
            return identity(commonName, (PrivateKey) ks.getKey("key", password.toCharArray()), List.of(ks.getCertificate("key")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void genkey(Path keyStore, String commonName) throws IOException {
        keytool("-genkeypair", "-keystore", keyStore.toString(), "-alias", "key", "-dname", "CN=" + commonName,
                "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2");
    }

    private Identity identity(String commonName, PrivateKey key, List<Certificate> chain) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(commonName, key, password.toCharArray(), chain.toArray(Certificate[]::new));
        Path file = store(ks, dir.resolve(unique(commonName) + ".p12"));
        StringBuilder chainPem = new StringBuilder();
        for (Certificate c : chain) {
            chainPem.append(pem(c));
        }
        return new Identity(commonName, file, password, chainPem.toString(), encryptedPem(key));
    }

    private String encryptedPem(PrivateKey key) throws GeneralSecurityException, IOException {
        PBEParameterSpec params = new PBEParameterSpec(randomBytes(8), 2048);
        Cipher cipher = Cipher.getInstance(KEY_ENCRYPTION);
        cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(KEY_ENCRYPTION)
                .generateSecret(new PBEKeySpec(password.toCharArray())), params);
        byte[] encrypted = cipher.doFinal(key.getEncoded());
        EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(cipher.getParameters(), encrypted);
        return pem("ENCRYPTED PRIVATE KEY", info.getEncoded());
    }

    private static String pem(Certificate c) {
        try {
            return pem("CERTIFICATE", c.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    private Path store(KeyStore ks, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password.toCharArray());
        }
        return file;
    }

    private void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // C1 only: each keytool start stays cheap on a busy machine
        cmd.add("-J-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", password, "-keypass", password, "-noprompt"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("keytool " + args[0] + " failed: " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }

    /** A file name for one more key of this name (a CN may be issued more than once). */
    private static String unique(String commonName) {
        return commonName.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + HexFormat.of().formatHex(randomBytes(4));
    }

    private static String randomSecret() {
        return HexFormat.of().formatHex(randomBytes(16));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        TempDirs.deleteRecursively(dir);
    }
}
