package steps

// ScenarioPlace is scenarioPlace, for the tests.
var ScenarioPlace = scenarioPlace
