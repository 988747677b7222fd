// Package image builds the app's container image from app/Dockerfile and pushes
// it to a private ECR repository, with pulumi-docker. Hosts pull it by digest.
package image

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Args configure an Image.
type Args struct {
	Context    string // the build context: the repository root (the app shares go.mod)
	Dockerfile string // e.g. app/Dockerfile
	Tags       map[string]string
	// AWSProvider is the provider of the repository's region, for the auth-token lookup.
	AWSProvider pulumi.ProviderResource
	// SkipAuth asks for no registry token: the repository's region does not
	// answer, and the caller keeps the image as its state holds it (the
	// registry's credentials never start a build: only its server does).
	SkipAuth bool
}

// Image is the component.
type Image struct {
	pulumi.ResourceState

	Repository *ecr.Repository
	Image      *docker.Image
	// Ref is repository@sha256:digest: what hosts run.
	Ref pulumi.StringOutput
}

const keepImages = `{"rules":[{"rulePriority":1,"description":"keep the last 20 images","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":20},"action":{"type":"expire"}}]}`

// New creates the repository, builds and pushes the image.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Image, error) {
	if args == nil || args.Context == "" || args.Dockerfile == "" {
		return nil, &shared.ArgError{Component: "image", Arg: "Context/Dockerfile", Value: "empty", Allowed: "a build context and a Dockerfile path"}
	}
	im := &Image{}
	if err := ctx.RegisterComponentResource(shared.Project+":image:Image", name, im, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(im)
	var err error
	if im.Repository, err = ecr.NewRepository(ctx, name, &ecr.RepositoryArgs{
		ImageTagMutability: pulumi.String("MUTABLE"),
		ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{ecr.RepositoryEncryptionConfigurationArgs{
			EncryptionType: pulumi.String("AES256"),
		}},
		// Images are rebuilt from the repository: deleting the repository
		// (lowering the phase, destroy) takes its images with it instead of
		// failing with RepositoryNotEmptyException.
		ForceDelete: pulumi.Bool(true),
		Tags:        shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	if _, err = ecr.NewLifecyclePolicy(ctx, name, &ecr.LifecyclePolicyArgs{
		Repository: im.Repository.Name,
		Policy:     pulumi.String(keepImages),
	}, child); err != nil {
		return nil, err
	}
	var invokeOpts []pulumi.InvokeOption
	if args.AWSProvider != nil {
		invokeOpts = append(invokeOpts, pulumi.Provider(args.AWSProvider))
	} else {
		invokeOpts = append(invokeOpts, pulumi.Parent(im))
	}
	// The account's default registry holds the repository; asking for it by
	// default (not by the repository's id) lets a preview resolve the token.
	user, password := pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	if !args.SkipAuth {
		token := ecr.GetAuthorizationTokenOutput(ctx, ecr.GetAuthorizationTokenOutputArgs{}, invokeOpts...)
		user, password = token.UserName(), token.Password()
	}
	if im.Image, err = docker.NewImage(ctx, name, &docker.ImageArgs{
		ImageName: pulumi.Sprintf("%s:latest", im.Repository.RepositoryUrl),
		Build: docker.DockerBuildArgs{
			Context:    pulumi.String(args.Context),
			Dockerfile: pulumi.String(args.Dockerfile),
			Platform:   pulumi.String("linux/amd64"),
		},
		Registry: docker.RegistryArgs{
			Server:   im.Repository.RepositoryUrl,
			Username: user,
			Password: pulumi.ToSecret(password).(pulumi.StringOutput),
		},
	}, child); err != nil {
		return nil, err
	}
	im.Ref = im.Image.RepoDigest
	return im, ctx.RegisterResourceOutputs(im, pulumi.Map{
		"repositoryUrl": im.Repository.RepositoryUrl,
		"ref":           im.Ref,
	})
}
