package io.oddsupdate.connect.deploy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Names the Kubernetes API server accepts for the objects we generate, whatever text they are made from (a version
 * such as {@code 0.1.0-SNAPSHOT}, a log group path such as {@code /msk-connect/odds-update/prod}).
 *
 * <p>Crossplane managed resources are cluster-scoped custom resources; the API server validates their
 * {@code metadata.name} as a DNS-1123 subdomain (Kubernetes documentation, "Object Names and IDs": at most 253
 * characters, lowercase alphanumerics, {@code -} and {@code .}, starting and ending with an alphanumeric). An upper-case
 * letter is refused at admission, so an object named from {@code 0.1.0-SNAPSHOT} as it is would never exist and every
 * object referring to it would wait forever.
 */
final class KubernetesNames {

    static final int MAX_SUBDOMAIN = 253;

    /** A DNS-1123 subdomain: dot-separated DNS-1123 labels (apimachinery's {@code IsDNS1123Subdomain}). */
    static final Pattern DNS1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private KubernetesNames() {
    }

    /**
     * {@code raw} as a DNS-1123 subdomain: lower-cased, every other character replaced by {@code -}, runs of {@code -}
     * collapsed, leading and trailing non-alphanumerics dropped. A name longer than 253 characters is cut and given a
     * hash of the whole text, so two long names stay distinct.
     *
     * @throws IllegalArgumentException when nothing alphanumeric is left
     */
    static String subdomain(String raw) {
        String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-").replaceAll("-{2,}", "-")
                .replaceAll("\\.{2,}", ".").replaceAll("-\\.|\\.-", ".").replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
        if (s.isEmpty()) {
            throw new IllegalArgumentException("'" + raw + "' has nothing a Kubernetes object name can be made of");
        }
        if (s.length() > MAX_SUBDOMAIN) {
            String hash = sha256Hex(raw).substring(0, 10);
            s = s.substring(0, MAX_SUBDOMAIN - hash.length() - 1).replaceAll("[^a-z0-9]+$", "") + "-" + hash;
        }
        return s;
    }

    static boolean isSubdomain(String name) {
        return name.length() <= MAX_SUBDOMAIN && DNS1123_SUBDOMAIN.matcher(name).matches();
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
