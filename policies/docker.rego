package scalezero

import rego.v1

# The docker target: what the Docker Engine (or pulumi-docker) refuses.

container := "docker:index/container:Container"

# METADATA
# title: Container names Docker accepts
# description: A container name matches /?[a-zA-Z0-9][a-zA-Z0-9_.-]+; Pulumi's auto-name adds 8 characters to the logical name.
# custom:
#   kind: preflight
#   types: [docker:index/container:Container]
#   doc: 'Docker Engine API, "Create a container" (query parameter name) (https://docs.docker.com/reference/api/engine/version/v1.47/#tag/Container/operation/ContainerCreate)'
#   message: Use letters, digits, _ . - in the name, a letter or digit first.
deny_docker_container_name contains msg if {
	input.__type == container
	n := physical_name(input, "name")
	not regex.match(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`, n)
	msg := sprintf("container '%s' gets the name '%s' (%s); Docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]+", [input.__name, n, name_origin(input, "name")])
}

# METADATA
# title: Restart policies Docker knows
# description: A container restarts by no, on-failure, always or unless-stopped, and a maximum retry count applies to on-failure only.
# custom:
#   kind: preflight
#   types: [docker:index/container:Container]
#   doc: 'Docker documentation, "Start containers automatically" (restart policies) (https://docs.docker.com/engine/containers/start-containers-automatically/)'
#   message: Use one of the four policies; set maxRetryCount only with on-failure.
deny_docker_restart_policy contains msg if {
	input.__type == container
	p := str(input, "restart")
	not p in {"no", "on-failure", "always", "unless-stopped"}
	msg := sprintf("container '%s' restarts by '%s', which Docker does not know", [input.__name, p])
}

deny_docker_restart_policy contains msg if {
	input.__type == container
	retries := num(input, "maxRetryCount")
	retries > 0
	p := object.get(input, "restart", "no")
	known(p)
	p != "on-failure"
	msg := sprintf("container '%s' sets maxRetryCount %v with restart '%s'; only on-failure retries", [input.__name, retries, p])
}

# An image reference's repository path and tag (a digest is left alone).
image_reference_problems(ref) := {p |
	not contains(ref, "@")
	path := reference_path(ref)
	some component in split(path, "/")
	not regex.match(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$`, component)
	p := sprintf("path component '%s' is not lowercase letters and digits joined by . _ __ or -", [component])
} | {p |
	not contains(ref, "@")
	tag := reference_tag(ref)
	not regex.match(`^[\w][\w.-]{0,127}$`, tag)
	p := sprintf("tag '%s' is not 1-128 of letters, digits, _ . - (not starting with . or -)", [tag])
}

# The part after the registry host (a first component with a dot or a colon, or localhost).
reference_path(ref) := path if {
	name := reference_name(ref)
	parts := split(name, "/")
	count(parts) > 1
	registry_host(parts[0])
	path := concat("/", array.slice(parts, 1, count(parts)))
}

reference_path(ref) := name if {
	name := reference_name(ref)
	parts := split(name, "/")
	not registry_like(parts)
}

registry_like(parts) if {
	count(parts) > 1
	registry_host(parts[0])
}

registry_host(h) if contains(h, ".")

registry_host(h) if contains(h, ":")

registry_host("localhost")

# The name without its tag: a colon after the last slash starts the tag.
reference_name(ref) := name if {
	last := split(ref, "/")[count(split(ref, "/")) - 1]
	contains(last, ":")
	name := substring(ref, 0, count(ref) - count(reference_tag(ref)) - 1)
}

reference_name(ref) := ref if {
	last := split(ref, "/")[count(split(ref, "/")) - 1]
	not contains(last, ":")
}

reference_tag(ref) := tag if {
	last := split(ref, "/")[count(split(ref, "/")) - 1]
	contains(last, ":")
	parts := split(last, ":")
	tag := parts[count(parts) - 1]
}

# METADATA
# title: Image references Docker accepts
# description: An image's repository path is lowercase letters and digits separated by periods, underscores or hyphens, and its tag 1 to 128 letters, digits, underscores, periods and hyphens, not starting with a period or hyphen.
# custom:
#   kind: preflight
#   types: [docker:index/image:Image, docker:index/remoteImage:RemoteImage]
#   doc: 'Docker documentation, "docker image tag" (description of name components and tags) (https://docs.docker.com/reference/cli/docker/image/tag/)'
#   message: Use a lowercase repository and a valid tag.
deny_docker_image_reference contains msg if {
	some key, t in {"imageName": "docker:index/image:Image", "name": "docker:index/remoteImage:RemoteImage"}
	is_type(input, t)
	ref := str(props(input), key)
	some problem in image_reference_problems(ref)
	msg := sprintf("image '%s' refers to %s: %s", [input.__name, ref, problem])
}

# METADATA
# title: Containers depend on the volumes and networks they use
# description: Docker refuses to remove a volume in use by a container or a network with containers attached; a container that uses a volume or network of the stack must depend on it, so that a destroy (or a replacement) removes the container first.
# custom:
#   kind: preflight
#   types: [docker:index/container:Container, docker:index/volume:Volume, docker:index/network:Network]
#   doc: 'Docker documentation, "docker volume rm" (you cannot remove a volume that is in use by a container) (https://docs.docker.com/reference/cli/docker/volume/rm/) and "docker network rm" (disconnect containers first) (https://docs.docker.com/reference/cli/docker/network/rm/)'
#   message: Pass the volume's or network's name output (not a copy of the string), or add dependsOn.
stack_deny_container_undeclared_use contains msg if {
	some c in resources_of(container)
	some v in object.get(c, "volumes", [])
	name := str(v, "volumeName")
	some vol in resources_of("docker:index/volume:Volume")
	physical_name(vol, "name") == name
	not depends_transitively(c, vol.__urn)
	msg := sprintf("container '%s' mounts volume %s ('%s') without depending on it", [c.__name, name, vol.__name])
}

stack_deny_container_undeclared_use contains msg if {
	some c in resources_of(container)
	some n in object.get(c, "networksAdvanced", [])
	name := str(n, "name")
	some network in resources_of("docker:index/network:Network")
	physical_name(network, "name") == name
	not depends_transitively(c, network.__urn)
	msg := sprintf("container '%s' joins network %s ('%s') without depending on it", [c.__name, name, network.__name])
}
