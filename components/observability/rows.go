package observability

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// values collects the outputs a dashboard names, to resolve them in one apply.
type values struct {
	inputs []any
	got    []any
}

// ref registers an output and returns a function that reads its value once
// resolved.
func (v *values) ref(in pulumi.StringInput) func() string {
	i := len(v.inputs)
	v.inputs = append(v.inputs, in)
	return func() string { s, _ := v.got[i].(string); return s }
}

// body is the dashboard's JSON, known once every name it shows is.
func (o *Observability) body() pulumi.StringOutput {
	v := &values{}
	build := o.rows(v)
	return pulumi.All(v.inputs...).ApplyT(func(got []any) (string, error) {
		v.got = got
		return Body(o.args.Region, build())
	}).(pulumi.StringOutput)
}

func metric(ns, name, stat, label string, dims ...string) Metric {
	m := Metric{Namespace: ns, Name: name, Stat: stat, Label: label, Dimensions: map[string]string{}}
	for i := 0; i+1 < len(dims); i += 2 {
		m.Dimensions[dims[i]] = dims[i+1]
	}
	return m
}

func edge(m Metric) Metric { m.Region = EdgeRegion; return m }

// rows registers what the dashboard shows and returns its builder: a row
// per tier the region has.
func (o *Observability) rows(v *values) func() []Row {
	a, fleets := o.args, o.args.Fleets
	var build []func() Row
	for _, lb := range a.LoadBalancers {
		lbName, suffix, tg := lb.Name, v.ref(lb.ARNSuffix), v.ref(lb.TargetGroupARNSuffix)
		build = append(build, func() Row {
			alb := func(name, stat, label string) Metric {
				return metric("AWS/ApplicationELB", name, stat, label, "LoadBalancer", suffix())
			}
			group := func(name, label string) Metric {
				return metric("AWS/ApplicationELB", name, "Maximum", label, "LoadBalancer", suffix(), "TargetGroup", tg())
			}
			return Row{Title: "Load balancer " + lbName, Widgets: []Widget{
				{Title: "Requests", Metrics: []Metric{alb("RequestCount", "Sum", "requests")}},
				{Title: "5xx", Metrics: []Metric{alb("HTTPCode_Target_5XX_Count", "Sum", "from hosts"), alb("HTTPCode_ELB_5XX_Count", "Sum", "from the load balancer")}},
				{Title: "Response time p99 (s)", Metrics: []Metric{alb("TargetResponseTime", "p99", "p99")}},
				{Title: "Hosts", Metrics: []Metric{group("HealthyHostCount", "healthy"), group("UnHealthyHostCount", "unhealthy")}},
			}}
		})
	}
	if len(fleets) > 0 {
		type ref struct {
			name, service string
			group         func() string
		}
		var refs []ref
		for _, f := range fleets {
			refs = append(refs, ref{f.Name, f.Service, v.ref(f.GroupName)})
		}
		build = append(build, func() Row {
			var inService, memory, disk []Metric
			for _, f := range refs {
				inService = append(inService,
					metric("AWS/AutoScaling", "GroupInServiceInstances", "Average", f.name+" in service", "AutoScalingGroupName", f.group()),
					metric("AWS/AutoScaling", "GroupDesiredCapacity", "Average", f.name+" desired", "AutoScalingGroupName", f.group()))
				memory = append(memory, metric("CWAgent", "mem_used_percent", "Maximum", f.name, "AutoScalingGroupName", f.group()))
				disk = append(disk, metric("CWAgent", "disk_used_percent", "Maximum", f.name, "AutoScalingGroupName", f.group()))
			}
			return Row{Title: "Fleets", Widgets: []Widget{
				{Title: "Instances", Metrics: inService},
				{Title: "Host memory used (%)", Metrics: memory},
				{Title: "Host disk used (%)", Metrics: disk},
			}}
		})
	}
	if s := a.Server; s != nil {
		name, id := s.Name, v.ref(s.InstanceID)
		build = append(build, func() Row {
			host := func(ns, metricName, stat, label string) []Metric {
				return []Metric{metric(ns, metricName, stat, label, "InstanceId", id())}
			}
			return Row{Title: "Server " + name, Widgets: []Widget{
				{Title: "CPU (%)", Metrics: host("AWS/EC2", "CPUUtilization", "Average", "cpu")},
				{Title: "Memory used (%)", Metrics: host("CWAgent", "mem_used_percent", "Maximum", "memory")},
				{Title: "Disk used (%)", Metrics: host("CWAgent", "disk_used_percent", "Maximum", "disk")},
				{Title: "System status check failed", Metrics: host("AWS/EC2", "StatusCheckFailed_System", "Maximum", "failed")},
			}}
		})
	}
	build = append(build, o.appRows(slices.Contains(a.LogGroups, "web"), slices.Contains(a.LogGroups, "worker"))...)
	if len(a.Databases) > 0 {
		type ref struct {
			name    string
			id      func() string
			replica bool
		}
		var refs []ref
		for _, db := range a.Databases {
			refs = append(refs, ref{db.Name, v.ref(db.Identifier), db.Replica})
		}
		build = append(build, func() Row {
			each := func(name, stat string, replicasOnly bool) []Metric {
				var out []Metric
				for _, d := range refs {
					if !replicasOnly || d.replica {
						out = append(out, metric("AWS/RDS", name, stat, d.name, "DBInstanceIdentifier", d.id()))
					}
				}
				return out
			}
			row := Row{Title: "Databases", Widgets: []Widget{
				{Title: "CPU (%)", Metrics: each("CPUUtilization", "Average", false)},
				{Title: "Connections", Metrics: each("DatabaseConnections", "Maximum", false)},
				{Title: "Free storage (bytes)", Metrics: each("FreeStorageSpace", "Minimum", false)},
			}}
			if lag := each("ReplicaLag", "Maximum", true); len(lag) > 0 {
				row.Widgets = append(row.Widgets, Widget{Title: "Replica lag (s)", Metrics: lag})
			}
			return row
		})
	}
	for _, c := range a.Caches {
		name, id, nodes := c.Name, v.ref(c.ReplicationGroupID), c.Nodes
		build = append(build, func() Row {
			var hits, evictions []Metric
			for n := 1; n <= nodes; n++ {
				node := fmt.Sprintf("%s-%03d", id(), n)
				hits = append(hits,
					metric("AWS/ElastiCache", "CacheHits", "Sum", node+" hits", "CacheClusterId", node),
					metric("AWS/ElastiCache", "CacheMisses", "Sum", node+" misses", "CacheClusterId", node))
				evictions = append(evictions, metric("AWS/ElastiCache", "Evictions", "Sum", node, "CacheClusterId", node))
			}
			return Row{Title: "Cache " + name, Widgets: []Widget{
				{Title: "Hits and misses", Metrics: hits},
				{Title: "Evictions", Metrics: evictions},
			}}
		})
	}
	if a.DistributionID != nil {
		id := v.ref(a.DistributionID)
		build = append(build, func() Row {
			cf := func(name, stat string) Metric {
				return edge(metric("AWS/CloudFront", name, stat, name, "DistributionId", id(), "Region", "Global"))
			}
			return Row{Title: "CDN", Widgets: []Widget{
				{Title: "Requests", Metrics: []Metric{cf("Requests", "Sum")}},
				{Title: "Error rates (%)", Metrics: []Metric{cf("4xxErrorRate", "Average"), cf("5xxErrorRate", "Average")}},
			}}
		})
	}
	for _, q := range a.Queues {
		name, queue, dlq := q.Name, v.ref(q.QueueName), v.ref(q.DLQName)
		build = append(build, func() Row {
			sqs := func(metricName, stat, label, queueName string) Metric {
				return metric("AWS/SQS", metricName, stat, label, "QueueName", queueName)
			}
			return Row{Title: "Queue " + name, Widgets: []Widget{
				{Title: "Messages waiting", Metrics: []Metric{sqs("ApproximateNumberOfMessagesVisible", "Maximum", "queue", queue()), sqs("ApproximateNumberOfMessagesVisible", "Maximum", "dead-letter", dlq())}},
				{Title: "Oldest message (s)", Metrics: []Metric{sqs("ApproximateAgeOfOldestMessage", "Maximum", "oldest", queue())}},
				{Title: "Throughput", Metrics: []Metric{sqs("NumberOfMessagesSent", "Sum", "sent", queue()), sqs("NumberOfMessagesDeleted", "Sum", "done", queue())}},
			}}
		})
	}
	if len(a.HealthChecks) > 0 {
		type ref struct {
			name string
			id   func() string
		}
		var refs []ref
		for _, hc := range a.HealthChecks {
			refs = append(refs, ref{hc.Name, v.ref(hc.ID)})
		}
		build = append(build, func() Row {
			var status []Metric
			for _, hc := range refs {
				status = append(status, edge(metric("AWS/Route53", "HealthCheckStatus", "Minimum", hc.name, "HealthCheckId", hc.id())))
			}
			return Row{Title: "Regions' health checks", Widgets: []Widget{{Title: "Healthy (1) or not (0)", Metrics: status}}}
		})
	}
	return func() []Row {
		rows := make([]Row, len(build))
		for i, b := range build {
			rows[i] = b()
		}
		return rows
	}
}

// appRows are the app's own metrics and the business ones, by Service.
func (o *Observability) appRows(web, worker bool) []func() Row {
	app := func(name, stat, label, service string) Metric {
		return metric(AppNamespace, name, stat, label, "Service", service)
	}
	var out []func() Row
	if web {
		out = append(out, func() Row {
			return Row{Title: "App", Widgets: []Widget{
				{Title: "Requests and server errors", Metrics: []Metric{app("Requests", "Sum", "requests", "web"), app("ServerErrors", "Sum", "5xx", "web")}},
				{Title: "Latency p99 (ms)", Metrics: []Metric{app("Latency", "p99", "p99", "web")}},
				{Title: "Cache and replicas", Metrics: []Metric{app("CacheHits", "Sum", "cache hits", "web"), app("CacheMisses", "Sum", "cache misses", "web"), app("ReplicaFallbacks", "Sum", "replica fallbacks", "web")}},
			}}
		}, func() Row {
			business := []Metric{app("Signups", "Sum", "sign-ups", "web"), app("Logins", "Sum", "logins", "web")}
			if worker {
				business = append(business, app("AvatarsMade", "Sum", "avatars made", "worker"))
			}
			return Row{Title: "Business", Widgets: []Widget{{Title: "Users", Metrics: business}}}
		})
	}
	if worker {
		out = append(out, func() Row {
			return Row{Title: "Jobs", Widgets: []Widget{{Title: "Jobs by outcome", Metrics: []Metric{app("JobsSucceeded", "Sum", "succeeded", "worker"), app("JobsFailed", "Sum", "failed", "worker")}}}}
		})
	}
	return out
}
