module platform.local/e2e-standins

go 1.24.0

require (
	github.com/golang/snappy v1.0.0
	go.yaml.in/yaml/v3 v3.0.4
	google.golang.org/protobuf v1.36.12
)
