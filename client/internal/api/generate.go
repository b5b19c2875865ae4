package api

//go:generate go tool genqlient ../../genqlient.yaml
