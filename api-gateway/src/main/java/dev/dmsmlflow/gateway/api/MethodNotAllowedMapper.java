package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.platform.problem.Problem;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * 405 as problem+json with the {@code Allow} header naming the methods the path does have (Quarkus REST leaves it
 * out), read once from the resources' annotations.
 */
public class MethodNotAllowedMapper {

    private static final List<Class<?>> RESOURCES = List.of(MeResource.class, KeyResource.class, WorkspaceResource.class,
            MemberResource.class, WorkspaceKeyResource.class, AuditResource.class, InstanceResource.class);
    private static final Map<Class<? extends Annotation>, String> VERBS = Map.of(GET.class, "GET", POST.class, "POST",
            PUT.class, "PUT", PATCH.class, "PATCH", DELETE.class, "DELETE");
    private static final Map<Pattern, TreeSet<String>> ROUTES = routes();

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, UriInfo uri) {
        Response.ResponseBuilder b = Response.status(405).type(Problem.MEDIA_TYPE)
                .entity(Problem.of("method-not-allowed", "Method Not Allowed", 405, "This path does not support that method.", null));
        String path = uri.getPath();
        for (Map.Entry<Pattern, TreeSet<String>> route : ROUTES.entrySet()) {
            if (route.getKey().matcher(path).matches()) {
                b.header("Allow", String.join(", ", route.getValue()));
                break;
            }
        }
        return b.build();
    }

    private static Map<Pattern, TreeSet<String>> routes() {
        Map<String, TreeSet<String>> byTemplate = new LinkedHashMap<>();
        for (Class<?> resource : RESOURCES) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                for (Map.Entry<Class<? extends Annotation>, String> verb : VERBS.entrySet()) {
                    if (m.isAnnotationPresent(verb.getKey())) {
                        Path sub = m.getAnnotation(Path.class);
                        String template = (base + (sub == null ? "" : "/" + sub.value())).replaceAll("/+", "/");
                        byTemplate.computeIfAbsent(template, t -> new TreeSet<>()).add(verb.getValue());
                    }
                }
            }
        }
        Map<Pattern, TreeSet<String>> routes = new LinkedHashMap<>();
        List<String> templates = new ArrayList<>(byTemplate.keySet());
        for (String t : templates) {
            routes.put(Pattern.compile(t.replaceAll("\\{[^/]+}", "[^/]+") + "/?"), byTemplate.get(t));
        }
        return routes;
    }
}
